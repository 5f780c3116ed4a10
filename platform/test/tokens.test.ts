import { SignJWT } from 'jose';
import {
  generateSigningKey,
  jwksOf,
  loadSigningKey,
  localKeySet,
  signToken,
  verifyToken,
  type SigningKey,
} from '../src/auth/tokens';

const ISSUER = 'https://users.homegraph.test';
const base = { issuer: ISSUER, subject: 'user-1', ttlSeconds: 300 };

describe('tokens', () => {
  let key: SigningKey;
  let other: SigningKey;

  beforeAll(async () => {
    key = await generateSigningKey();
    other = await generateSigningKey();
  });

  const verifyAccess = (token: string, keys = localKeySet(jwksOf(key))) =>
    verifyToken(token, keys, { type: 'access', issuer: ISSUER, audience: 'router' });

  it('round-trips an access token with its claims', async () => {
    const token = await signToken(key, {
      ...base,
      type: 'access',
      audience: 'router',
      claims: { roles: ['AGENT'] },
    });
    await expect(verifyAccess(token)).resolves.toMatchObject({
      sub: 'user-1',
      roles: ['AGENT'],
      iss: ISSUER,
    });
  });

  it('refuses an expired token, saying so', async () => {
    const token = await signToken(key, { ...base, type: 'access', audience: 'router', ttlSeconds: -60 });
    await expect(verifyAccess(token)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'token expired',
    });
  });

  it('refuses a token signed by a key outside the key set, even with a trusted kid', async () => {
    const forged = await signToken(
      { ...other, kid: key.kid },
      { ...base, type: 'access', audience: 'router' },
    );
    await expect(verifyAccess(forged)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'invalid token',
    });
  });

  it('refuses alg none and HMAC tokens', async () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const claims = { iss: ISSUER, aud: 'router', sub: 'user-1', iat: 1, exp: 4_000_000_000, jti: 'x' };
    const none = `${encode({ alg: 'none', typ: 'at+jwt', kid: key.kid })}.${encode(claims)}.`;
    await expect(verifyAccess(none)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const hmac = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: key.kid })
      .sign(Buffer.from(JSON.stringify(key.publicJwk)));
    await expect(verifyAccess(hmac)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('never lets one token type stand in for another', async () => {
    const internal = await signToken(key, { ...base, type: 'internal', audience: 'router' });
    await expect(verifyAccess(internal)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const access = await signToken(key, { ...base, type: 'access', audience: 'listings' });
    await expect(
      verifyToken(access, localKeySet(jwksOf(key)), {
        type: 'internal',
        issuer: ISSUER,
        audience: 'listings',
      }),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('binds an internal token to the one subgraph it was made for', async () => {
    const forListings = await signToken(key, {
      ...base,
      type: 'internal',
      audience: 'listings',
      ttlSeconds: 30,
    });
    const keys = localKeySet(jwksOf(key));
    await expect(
      verifyToken(forListings, keys, { type: 'internal', issuer: ISSUER, audience: 'listings' }),
    ).resolves.toMatchObject({
      aud: 'listings',
    });
    await expect(
      verifyToken(forListings, keys, { type: 'internal', issuer: ISSUER, audience: 'users' }),
    ).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });

  it('rotates keys without downtime: both keys verify during the overlap, only the new one after', async () => {
    const old = await signToken(key, { ...base, type: 'access', audience: 'router' });
    const fresh = await signToken(other, { ...base, type: 'access', audience: 'router' });
    const overlap = localKeySet(jwksOf(key, other));
    await expect(verifyAccess(old, overlap)).resolves.toBeDefined();
    await expect(verifyAccess(fresh, overlap)).resolves.toBeDefined();
    await expect(verifyAccess(old, localKeySet(jwksOf(other)))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });

  it('loads a signing key from its PKCS#8 PEM with the same kid', async () => {
    const generated = await generateSigningKey();
    const loaded = await loadSigningKey(generated.privatePkcs8);
    expect(loaded.kid).toBe(generated.kid);
    const token = await signToken(loaded, { ...base, type: 'access', audience: 'router' });
    await expect(
      verifyToken(token, localKeySet(jwksOf(generated)), {
        type: 'access',
        issuer: ISSUER,
        audience: 'router',
      }),
    ).resolves.toBeDefined();
    expect(JSON.stringify(loaded.publicJwk)).not.toContain('"d"');
  });
});
