import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO_ROOT = resolve(__dirname, '../..');
const HG_LOCAL = join(REPO_ROOT, 'infra/local/hg-local');

/** A port the OS just had free; good enough for servers that can't bind port 0 themselves. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export function parseEnvLines(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const index = line.indexOf('=');
    if (index > 0) env[line.slice(0, index)] = line.slice(index + 1);
  }
  return env;
}

export async function hgLocal(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { stdout } = await run(HG_LOCAL, args, {
    env: { ...process.env, ...env },
    maxBuffer: 10 * 1024 * 1024,
  });
  return stdout;
}

/**
 * Servers of our own for one test file, on their own ports and data folder, so a test can stop and
 * restart them without disturbing the shared ones other tests use.
 */
export interface ThrowawayServers {
  env: Record<string, string>;
  start(service: string): Promise<void>;
  stop(service: string): Promise<void>;
  destroy(): Promise<void>;
}

export async function startThrowawayServers(
  services: string[],
  ports: Record<string, number>,
): Promise<ThrowawayServers> {
  const dir = await mkdtemp(join(tmpdir(), 'hg-test-'));
  const overrides: NodeJS.ProcessEnv = { HG_LOCAL_DIR: dir };
  for (const [name, port] of Object.entries(ports)) overrides[name] = String(port);
  const servers: ThrowawayServers = {
    env: {},
    start: async (service) => {
      await hgLocal(['up', service], overrides);
    },
    stop: async (service) => {
      await hgLocal(['down', service], overrides);
    },
    destroy: async () => {
      await hgLocal(['down', ...services], overrides).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
  await hgLocal(['up', ...services], overrides);
  servers.env = parseEnvLines(await hgLocal(['env', ...services], overrides));
  return servers;
}
