import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { eventually } from './eventually';
export { eventually };
import { REPO_ROOT } from './localServers';

export interface ServiceProcess {
  port: number;
  url: string;
  output(): string;
  stop(): Promise<number | null>;
}

export interface ExitedProcess {
  code: number | null;
  output: string;
}

function launch(entry: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [join(REPO_ROOT, entry)], {
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Starts a built service (`<package>/dist/main.js`) on a free port and waits for its `listening` log line. */
export function startService(
  entry: string,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ServiceProcess> {
  const child = launch(entry, env);
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} did not start in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!line.includes('"msg":"listening"')) continue;
        const { port } = JSON.parse(line) as { port: number };
        clearTimeout(timer);
        resolve({
          port,
          url: `http://127.0.0.1:${port}`,
          output: () => output,
          stop: async () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
        return;
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code} before listening:\n${output}`));
    });
  });
}

/** Runs a service expected to refuse to start; resolves with its exit code and output. */
export function runToExit(
  entry: string,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<ExitedProcess> {
  const child = launch(entry, env);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} still running after ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

export async function readyStatus(baseUrl: string): Promise<number> {
  const response = await fetch(`${baseUrl}/ready`, { signal: AbortSignal.timeout(10_000) });
  return response.status;
}

/**
 * Waits until the service answers /ready with `status`; on timeout the error carries the last /ready
 * body and the tail of the service's log, so a failure in CI says which check stayed red and why.
 */
export async function waitForReadyStatus(
  service: ServiceProcess,
  status: number,
  description: string,
): Promise<void> {
  let lastBody = '';
  try {
    await eventually(description, async () => {
      const response = await fetch(`${service.url}/ready`, { signal: AbortSignal.timeout(10_000) });
      lastBody = await response.text();
      return response.status === status;
    });
  } catch (error) {
    const logTail = service.output().split('\n').slice(-40).join('\n');
    throw new Error(`${(error as Error).message}\nlast /ready: ${lastBody}\nservice log tail:\n${logTail}`);
  }
}
