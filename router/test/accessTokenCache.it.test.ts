import { randomUUID } from 'node:crypto';
import { eventually } from '../../test/support/serviceProcess';
import { accessToken, codeOf, startRouterUnderTest, type RouterUnderTest } from './routerHarness';

/** Verified access tokens are remembered, but never past their expiry. */
describe('router remembering verified access tokens', () => {
  let harness: RouterUnderTest;

  beforeAll(async () => {
    harness = await startRouterUnderTest();
  });

  afterAll(() => harness.stop());

  const query = { query: '{ listings(first: 1) { id } }' };

  it('accepts a token again and again while it is valid, and refuses it once expired', async () => {
    const subject = randomUUID();
    const token = await accessToken(harness.usersKey, { subject, ttlSeconds: 2 });
    const authorization = { authorization: `Bearer ${token}` };

    const first = await harness.post(query, authorization);
    expect(first.status).toBe(200);
    expect(first.body.errors).toBeUndefined();
    const again = await harness.post(query, authorization);
    expect(again.status).toBe(200);
    expect(harness.subgraph.identities.filter((identity) => identity.subject === subject).length).toBe(2);

    await eventually(
      'the expired token is refused',
      async () => (await harness.post(query, authorization)).status === 401,
      30_000,
      250,
    );
    const refused = await harness.post(query, authorization);
    expect(refused.status).toBe(401);
    expect(codeOf(refused)).toBe('UNAUTHENTICATED');
  });

  it('keeps refusing a token that failed, and tells two users apart', async () => {
    const forged = `${await accessToken(harness.usersKey)}x`;
    for (let attempt = 0; attempt < 2; attempt++) {
      const reply = await harness.post(query, { authorization: `Bearer ${forged}` });
      expect(reply.status).toBe(401);
    }
    const [alice, bob] = [randomUUID(), randomUUID()];
    for (const subject of [alice, bob, alice, bob]) {
      const token = await accessToken(harness.usersKey, { subject });
      expect((await harness.post(query, { authorization: `Bearer ${token}` })).status).toBe(200);
    }
    const seen = harness.subgraph.identities.map((identity) => identity.subject);
    expect(seen.filter((subject) => subject === alice)).toHaveLength(2);
    expect(seen.filter((subject) => subject === bob)).toHaveLength(2);
  });
});
