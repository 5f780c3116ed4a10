/** One dependency a service needs in order to serve: ready only when every check passes. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
  timeoutMs?: number;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; error?: string }>;
}

const DEFAULT_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} check timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs every check in parallel, each bounded by its timeout. */
export async function checkReadiness(checks: readonly ReadinessCheck[]): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async ({ name, check, timeoutMs }) => {
      try {
        await withTimeout(check(), timeoutMs ?? DEFAULT_TIMEOUT_MS, name);
        return [name, { ok: true }] as const;
      } catch (error) {
        // Only the error class and a short message: connection errors can carry hostnames, never secrets.
        const message = error instanceof Error ? error.message.slice(0, 200) : 'failed';
        return [name, { ok: false, error: message }] as const;
      }
    }),
  );
  return { ready: results.every(([, result]) => result.ok), checks: Object.fromEntries(results) };
}
