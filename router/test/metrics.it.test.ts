import { freePort } from '../../test/support/localServers';
import { accessToken, codeOf, startRouterUnderTest, type RouterUnderTest } from './routerHarness';

/** Prometheus histograms per operation and per subgraph fetch. */
describe('router metrics', () => {
  let harness: RouterUnderTest;

  beforeAll(async () => {
    harness = await startRouterUnderTest();
  });

  afterAll(async () => {
    await harness?.stop();
  });

  it('times operations by name, type and outcome, and subgraph fetches by subgraph and outcome', async () => {
    await harness.post({ query: 'query RecentListings { listings(first: 1) { id } }' });
    await harness.post({ query: 'query Broken { nope }' });
    const metrics = await (await fetch(`${harness.router.url}/metrics`)).text();
    expect(metrics).toMatch(
      /graphql_operation_duration_seconds_count\{[^}]*operation_name="RecentListings",operation_type="query",outcome="success"[^}]*\} 1/,
    );
    expect(metrics).toMatch(/graphql_operation_duration_seconds_count\{[^}]*outcome="refused"[^}]*\} 1/);
    expect(metrics).toMatch(
      /graphql_subgraph_fetch_duration_seconds_count\{[^}]*subgraph="listings",outcome="success"[^}]*\} 1/,
    );
  });
});

/** A key set that can't be fetched is the router's outage, not the caller's bad token. */
describe('router with the users JWKS unreachable', () => {
  let harness: RouterUnderTest;

  beforeAll(async () => {
    harness = await startRouterUnderTest({
      USERS_JWKS_URL: `http://127.0.0.1:${await freePort()}/.well-known/jwks.json`,
    });
  });

  afterAll(async () => {
    await harness?.stop();
  });

  it('answers 503 SERVICE_UNAVAILABLE to a token, and still serves anonymous requests', async () => {
    const reply = await harness.post(
      { query: '{ __typename }' },
      { authorization: `Bearer ${await accessToken(harness.usersKey)}` },
    );
    expect(reply.status).toBe(503);
    expect(codeOf(reply)).toBe('SERVICE_UNAVAILABLE');
    expect((await harness.post({ query: '{ __typename }' })).status).toBe(200);
  });
});
