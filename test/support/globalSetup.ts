import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hgLocal, parseEnvLines, REPO_ROOT } from './localServers';

/**
 * Starts (or finds running) every local server and hands their connection settings to the test
 * workers through the environment, then provisions the topic catalog as `make up` and deployments do
 * (brokers never auto-create topics). Never skips: if a server can't start, the run fails here.
 */
export default async function globalSetup(): Promise<void> {
  // HG_TEST_SERVERS narrows the servers for a focused local run ("postgres kafka"); the default is all.
  const servers = (process.env['HG_TEST_SERVERS'] ?? '').split(/\s+/).filter(Boolean);
  await hgLocal(['up', ...servers]);
  const env = parseEnvLines(await hgLocal(['env', ...servers]));
  for (const [key, value] of Object.entries(env)) process.env[key] = value;
  if (env['KAFKA_BROKERS']) {
    await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'scripts/dist/provision-topics.js')], {
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
  }
}
