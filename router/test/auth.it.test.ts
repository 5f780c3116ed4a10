import { randomUUID } from 'node:crypto';
import { generateSigningKey } from '../../platform/src/auth/tokens';
import { eventually } from '../../test/support/serviceProcess';
import { accessToken, codeOf, startRouterUnderTest, type RouterUnderTest } from './routerHarness';

const LISTINGS = { query: '{ listings(first: 1) { id title } }' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Users' access tokens are verified against the users subgraph's JWKS; who they are reaches subgraphs. */
describe('router user authentication', () => {
  let harness: RouterUnderTest;

  beforeAll(async () => {
    harness = await startRouterUnderTest({ USERS_JWKS_COOLDOWN_MS: '200' });
  });

  afterAll(async () => {
    await harness?.stop();
  });

  it('lets a request without credentials through as anonymous', async () => {
    const reply = await harness.post(LISTINGS);
    expect(reply.status).toBe(200);
    expect(reply.body.data).toEqual({ listings: [{ id: 'listing-1', title: 'Two rooms by the canal' }] });
    expect(harness.subgraph.identities.at(-1)).toEqual({ subject: 'anonymous', roles: [] });
  });

  it("signs the verified user's id and roles into the subgraph token", async () => {
    const userId = randomUUID();
    const token = await accessToken(harness.usersKey, { subject: userId, roles: ['USER', 'AGENT'] });
    const reply = await harness.post(LISTINGS, bearer(token));
    expect(reply.status).toBe(200);
    expect(reply.body.errors).toBeUndefined();
    expect(harness.subgraph.identities.at(-1)).toEqual({ subject: userId, roles: ['AGENT', 'USER'] });
  });

  it.each([
    ['expired', async () => accessToken(harness.usersKey, { ttlSeconds: -60 })],
    [
      'signed by another key under a trusted kid',
      async () => {
        const other = await generateSigningKey();
        return accessToken({ ...other, kid: harness.usersKey.kid });
      },
    ],
    ['signed by an unknown key', async () => accessToken(await generateSigningKey())],
    [
      'unsigned (alg none)',
      async () => {
        const header = base64url({ alg: 'none', typ: 'at+jwt', kid: harness.usersKey.kid });
        const now = Math.floor(Date.now() / 1000);
        const payload = base64url({
          iss: 'homegraph-users',
          aud: 'homegraph',
          sub: randomUUID(),
          roles: ['ADMIN'],
          iat: now,
          exp: now + 300,
          jti: randomUUID(),
        });
        return `${header}.${payload}.`;
      },
    ],
    ['an internal token (wrong typ)', async () => accessToken(harness.usersKey, { type: 'internal' })],
    ['carrying an unknown role', async () => accessToken(harness.usersKey, { roles: ['ROOT'] })],
    ['not a JWT', async () => 'not-a-token'],
  ])('refuses a token that is %s with 401 UNAUTHENTICATED, before any subgraph call', async (_case, make) => {
    const before = harness.subgraph.requests;
    const reply = await harness.post(LISTINGS, bearer(await make()));
    expect(reply.status).toBe(401);
    expect(codeOf(reply)).toBe('UNAUTHENTICATED');
    expect(reply.body.errors?.[0]?.extensions?.['requestId']).toEqual(expect.any(String));
    expect(harness.subgraph.requests).toBe(before);
  });

  it('refuses an Authorization header that is not a bearer token', async () => {
    const reply = await harness.post(LISTINGS, { authorization: 'Basic dXNlcjpwYXNz' });
    expect(reply.status).toBe(401);
    expect(codeOf(reply)).toBe('UNAUTHENTICATED');
  });

  it('accepts a token of a key published later in the JWKS, without a restart', async () => {
    const rotated = await generateSigningKey();
    const token = await accessToken(rotated, { roles: ['MODERATOR'] });
    expect((await harness.post(LISTINGS, bearer(token))).status).toBe(401);
    harness.jwks.keys = [harness.usersKey, rotated];
    await eventually('the rotated-in key is trusted', async () => {
      return (await harness.post(LISTINGS, bearer(token))).status === 200;
    });
    expect(harness.subgraph.identities.at(-1)?.roles).toEqual(['MODERATOR']);
  });
});
