/**
 * Makes the local development secrets once, in the git-ignored .local/secrets.env: the router's token
 * signing key and the matching public key set for the subgraphs. Never used outside this machine.
 */
import { generateSigningKey, jwksOf } from '@homegraph/platform';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

async function main(): Promise<void> {
  const path = resolve(process.env['HG_LOCAL_DIR'] ?? resolve(__dirname, '../../.local'), 'secrets.env');
  if (existsSync(path)) return;
  const key = await generateSigningKey();
  await mkdir(dirname(path), { recursive: true });
  const lines = [
    '# Local development secrets, made by scripts/dev-secrets; delete this file to make new ones.',
    `ROUTER_SIGNING_KEY='${key.privatePkcs8.trim()}'`,
    `ROUTER_PUBLIC_JWKS='${JSON.stringify(jwksOf(key))}'`,
  ];
  await writeFile(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  process.stderr.write(`made local development secrets in ${path}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`dev-secrets: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
