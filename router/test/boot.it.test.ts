import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routerKeys } from '../../test/support/routerKeys';
import { runToExit } from '../../test/support/serviceProcess';

describe('router boot', () => {
  it('exits non-zero naming a missing signing key', async () => {
    const { code, output } = await runToExit('router/dist/main.js', {});
    expect(code).toBe(2);
    expect(output).toContain('ROUTER_SIGNING_KEY is required');
  });

  it('exits non-zero on a signing key that is not an Ed25519 PKCS#8 PEM, without echoing it', async () => {
    // A well-formed PKCS#8 key of the wrong kind, made here so no key material is ever committed.
    const wrongKind = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const { code, output } = await runToExit('router/dist/main.js', {
      ROUTER_SIGNING_KEY: wrongKind,
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    expect(code).toBe(2);
    expect(output).toContain('ROUTER_SIGNING_KEY is not a PKCS#8 PEM Ed25519 private key');
    expect(output).not.toContain(wrongKind.split('\n')[1]);
  });

  describe('partner safelists', () => {
    let dir: string;
    const partner = (name: string) => JSON.stringify([{ name, keySha256: 'a'.repeat(64) }]);
    const boot = async (env: Record<string, string>) =>
      runToExit('router/dist/main.js', {
        ROUTER_SIGNING_KEY: (await routerKeys()).ROUTER_SIGNING_KEY,
        REDIS_URL: 'redis://127.0.0.1:1',
        PERSISTED_OPERATIONS_DIR: dir,
        ...env,
      });

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'hg-safelists-'));
    });

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('exits non-zero when a partner has no manifest', async () => {
      const { code, output } = await boot({ PARTNER_CLIENTS: partner('ghost') });
      expect(code).toBe(2);
      expect(output).toContain('ghost.json');
    });

    it.each([
      [
        'an id that is not the hash of its body',
        { id: '0'.repeat(64), body: '{ listings(first: 1) { id } }' },
      ],
      ['a body that does not validate', { id: '', body: '{ nope }' }],
    ])('exits non-zero on an operation with %s', async (_case, operation) => {
      const id = operation.id || createHash('sha256').update(operation.body).digest('hex');
      await writeFile(
        join(dir, 'tampered.json'),
        JSON.stringify({
          format: 'apollo-persisted-query-manifest',
          version: 1,
          operations: [{ id, name: 'Op', type: 'query', body: operation.body }],
        }),
      );
      const { code, output } = await boot({ PARTNER_CLIENTS: partner('tampered') });
      expect(code).toBe(2);
      expect(output).toContain('operation Op');
    });

    it('exits non-zero on PARTNER_CLIENTS that is not a list of names and key hashes', async () => {
      const { code, output } = await boot({ PARTNER_CLIENTS: '[{"name":"acme","key":"plaintext"}]' });
      expect(code).toBe(2);
      expect(output).toContain('PARTNER_CLIENTS');
      expect(output).not.toContain('plaintext');
    });
  });
});
