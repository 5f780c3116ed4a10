import { generateKeyPairSync } from 'node:crypto';
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
});
