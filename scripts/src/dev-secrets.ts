/**
 * Makes the local development secrets once, in the git-ignored .local/secrets.env: the router's token
 * signing key with the matching public key set for the subgraphs, and the users subgraph's access-token
 * signing key. Entries already in the file are kept; missing ones are added. Never used outside this
 * machine.
 */
import { generateSigningKey, jwksOf } from '@homegraph/platform';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

const HEADER = '# Local development secrets, made by scripts/dev-secrets; delete this file to make new ones.';

/** Each entry: the variable it defines first, and how to make its lines. */
const ENTRIES: Array<{ name: string; make: () => Promise<string[]> }> = [
  {
    name: 'ROUTER_SIGNING_KEY',
    make: async () => {
      const key = await generateSigningKey();
      return [
        `ROUTER_SIGNING_KEY='${key.privatePkcs8.trim()}'`,
        `ROUTER_PUBLIC_JWKS='${JSON.stringify(jwksOf(key))}'`,
      ];
    },
  },
  {
    name: 'ACCESS_TOKEN_SIGNING_KEY',
    make: async () => [`ACCESS_TOKEN_SIGNING_KEY='${(await generateSigningKey()).privatePkcs8.trim()}'`],
  },
];

async function main(): Promise<void> {
  const path = resolve(process.env['HG_LOCAL_DIR'] ?? resolve(__dirname, '../../.local'), 'secrets.env');
  await mkdir(dirname(path), { recursive: true });
  if (!existsSync(path)) await writeFile(path, `${HEADER}\n`, { mode: 0o600 });
  const existing = await readFile(path, 'utf8');
  const made: string[] = [];
  for (const entry of ENTRIES) {
    if (new RegExp(`^${entry.name}=`, 'm').test(existing)) continue;
    await appendFile(path, `${(await entry.make()).join('\n')}\n`);
    made.push(entry.name);
  }
  if (made.length) process.stderr.write(`made local development secrets ${made.join(', ')} in ${path}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`dev-secrets: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
