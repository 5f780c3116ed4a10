import { hgLocal, parseEnvLines } from './localServers';

/**
 * Starts (or finds running) every local server and hands their connection settings to the test
 * workers through the environment. Never skips: if a server can't start, the run fails here.
 */
export default async function globalSetup(): Promise<void> {
  await hgLocal(['up']);
  const env = parseEnvLines(await hgLocal(['env']));
  for (const [key, value] of Object.entries(env)) process.env[key] = value;
}
