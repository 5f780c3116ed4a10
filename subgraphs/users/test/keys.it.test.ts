import { generateSigningKey, jwksOf } from '../../../platform/src/auth/tokens';
import { createSubgraphDatabase, type TestDatabase } from '../../../test/support/databases';
import { runToExit, startService } from '../../../test/support/serviceProcess';
import { SubgraphClient } from '../../../test/support/subgraphClient';

const MAIN = 'subgraphs/users/dist/main.js';

/** Access-token key rotation (docs/security.md): the JWKS publishes the next or previous key beside the signing one. */
describe('users access-token keys', () => {
  let database: TestDatabase;
  let routerJwks: string;

  beforeAll(async () => {
    database = await createSubgraphDatabase('users');
    routerJwks = (await SubgraphClient.create()).routerPublicJwks;
  });

  afterAll(() => database?.drop());

  it('publishes the signing key first, then the keys of a rotation in progress', async () => {
    const current = await generateSigningKey();
    const next = await generateSigningKey();
    const users = await startService(MAIN, {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: process.env['KAFKA_BROKERS'] as string,
      ROUTER_PUBLIC_JWKS: routerJwks,
      ACCESS_TOKEN_SIGNING_KEY: current.privatePkcs8,
      ACCESS_TOKEN_EXTRA_PUBLIC_JWKS: JSON.stringify(jwksOf(next, current)),
    });
    try {
      const response = await fetch(`${users.url}/.well-known/jwks.json`);
      expect(response.headers.get('cache-control')).toBe('public, max-age=300');
      const { keys } = (await response.json()) as { keys: Array<{ kid: string; d?: string }> };
      expect(keys.map((key) => key.kid)).toEqual([current.kid, next.kid]);
      expect(keys.some((key) => 'd' in key)).toBe(false);
    } finally {
      await users.stop();
    }
  });

  it('refuses to start when the extra key set holds a private key', async () => {
    const current = await generateSigningKey();
    const leaked = await generateSigningKey();
    const { exportJWK } = await import('jose');
    const privateJwk = { ...(await exportJWK(leaked.privateKey)), kid: leaked.kid };
    const { code, output } = await runToExit(MAIN, {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: process.env['KAFKA_BROKERS'] as string,
      ROUTER_PUBLIC_JWKS: routerJwks,
      ACCESS_TOKEN_SIGNING_KEY: current.privatePkcs8,
      ACCESS_TOKEN_EXTRA_PUBLIC_JWKS: JSON.stringify({ keys: [privateJwk] }),
    });
    expect(code).toBe(2);
    expect(output).toContain('ACCESS_TOKEN_EXTRA_PUBLIC_JWKS holds a private key');
    expect(output).not.toContain(privateJwk.d as string);
  });
});
