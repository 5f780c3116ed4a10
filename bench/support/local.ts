/** What the benches that run against `make up`'s platform share: settings, local secrets, ports, /proc. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../../..');
export const SUBGRAPH_NAMES = ['users', 'orgs', 'listings'] as const;

/** The running subgraphs' GraphQL URLs: `SUBGRAPH_<NAME>_URL`, else `make up`'s ports. */
export const subgraphUrls = Object.fromEntries(
  SUBGRAPH_NAMES.map((name, index) => [
    name,
    process.env[`SUBGRAPH_${name.toUpperCase()}_URL`] ?? `http://127.0.0.1:${4001 + index}/graphql`,
  ]),
) as Record<(typeof SUBGRAPH_NAMES)[number], string>;

export function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
export const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

export function percentile(sorted: number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createNetServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** User + system CPU seconds a process has used so far (Linux). */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Busy CPU seconds of the whole machine so far, all cores and processes (Linux `/proc/stat`). */
export function machineBusySeconds(): number {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n', 1)[0]!
    .trim()
    .split(/\s+/)
    .map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100;
}

/**
 * CPU seconds used so far by every process on the machine, summed by what it is: a service by its
 * entry point (`subgraphs/listings`, `router`…), PostgreSQL's processes together, Java by its main
 * class's last word (Kafka), anything else by its executable; `named` names chosen processes. Processes
 * that end between two samples
 * are missing from the later one.
 */
export function cpuByProcess(named: Record<number, string> = {}): Map<string, number> {
  const totals = new Map<string, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (!argv.length) continue;
      const seconds = cpuSeconds(Number(pid));
      const entry = argv.find((arg) => arg.endsWith('.js') && arg.includes('/dist/'));
      const name = named[Number(pid)]
        ? (named[Number(pid)] as string)
        : entry
          ? entry.replace(/^.*?((subgraphs|workers)\/[^/]+|router|bench|scripts)\/.*$/, '$1')
          : argv[0]?.includes('postgres')
            ? 'postgres'
            : argv[0]?.endsWith('java')
              ? `java ${argv.at(-2)?.split('.').pop() ?? ''}`.trim()
              : (argv[0]?.split('/').pop() ?? pid);
      totals.set(name, (totals.get(name) ?? 0) + seconds);
    } catch {
      // The process ended while being read.
    }
  }
  return totals;
}

/**
 * The named variables from the environment or else as `make up` sets them (scripts/local-env.sh, which
 * reads the development secrets); throws naming what is still unknown.
 */
export function localEnvironment<Name extends string>(names: readonly Name[]): Record<Name, string> {
  const found = new Map<string, string | undefined>(names.map((name) => [name, process.env[name]]));
  if (names.some((name) => !found.get(name))) {
    const dump = execFileSync('bash', ['-c', 'source scripts/local-env.sh >/dev/null && env -0'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    for (const entry of dump.split('\0')) {
      const name = entry.slice(0, entry.indexOf('='));
      if ((names as readonly string[]).includes(name) && !found.get(name))
        found.set(name, entry.slice(entry.indexOf('=') + 1));
    }
  }
  const missing = names.filter((name) => !found.get(name));
  if (missing.length) throw new Error(`${missing.join(' / ')} unknown: run \`make up\` first`);
  return Object.fromEntries(names.map((name) => [name, found.get(name)])) as Record<Name, string>;
}
