import { seedDemoListings } from '../../subgraphs/listings/src/data/demoListings';
import { createPrismaClient } from '../../subgraphs/listings/src/data/prisma';
import { createSubgraphDatabase, type TestDatabase } from '../support/databases';
import { signToken, loadSigningKey } from '../../platform/src/auth/tokens';
import { routerKeys } from '../support/routerKeys';
import { eventually, readyStatus, startService, type ServiceProcess } from '../support/serviceProcess';

interface GraphQLResponse {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** The router and the listings subgraph as real processes, on the real shared servers. */
describe('walking skeleton: a query through the router', () => {
  let database: TestDatabase;
  let listings: ServiceProcess;
  let router: ServiceProcess;
  let keys: Awaited<ReturnType<typeof routerKeys>>;

  const query = async (body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${router.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { response, body: (await response.json()) as GraphQLResponse };
  };

  beforeAll(async () => {
    keys = await routerKeys();
    database = await createSubgraphDatabase('listings');
    const prisma = createPrismaClient(database.url);
    await seedDemoListings(prisma);
    await prisma.$disconnect();
    listings = await startService('subgraphs/listings/dist/main.js', {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: process.env['KAFKA_BROKERS'] as string,
      ROUTER_PUBLIC_JWKS: keys.ROUTER_PUBLIC_JWKS,
    });
    router = await startService('router/dist/main.js', {
      SUBGRAPH_LISTINGS_URL: `${listings.url}/graphql`,
      ROUTER_SIGNING_KEY: keys.ROUTER_SIGNING_KEY,
      REDIS_URL: process.env['REDIS_URL'] as string,
    });
  });

  afterAll(async () => {
    await router?.stop();
    await listings?.stop();
    await database?.drop();
  });

  it('is ready once its subgraphs are', async () => {
    await eventually('router ready', async () => (await readyStatus(router.url)) === 200);
  });

  it('answers a listings query with seeded data', async () => {
    const { response, body } = await query({
      query: '{ listings(first: 3) { id title city listPrice currency status } }',
    });
    expect(response.status).toBe(200);
    expect(body.errors).toBeUndefined();
    const page = body.data?.['listings'] as { id: string; status: string }[];
    expect(page).toHaveLength(3);
    expect(page.every((listing) => listing.status === 'ACTIVE')).toBe(true);
  });

  it('refuses bad input with BAD_USER_INPUT, a request id and no internals', async () => {
    const { body, response } = await query(
      { query: '{ listing(id: "not-a-uuid") { id } }' },
      { 'x-request-id': 'e2e-1' },
    );
    expect(response.headers.get('x-request-id')).toBe('e2e-1');
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'id', requestId: 'e2e-1' });
  });

  it('reports an unknown field as a validation error', async () => {
    const { body } = await query({ query: '{ listings { nope } }' });
    expect(body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses direct subgraph calls without the router token, or with one made for another subgraph', async () => {
    const direct = (headers: Record<string, string>) =>
      fetch(`${listings.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: '{ listings(first: 1) { id } }' }),
      });
    const key = await loadSigningKey(keys.ROUTER_SIGNING_KEY);
    const token = (audience: string, type: 'internal' | 'access') =>
      signToken(key, { type, issuer: 'homegraph-router', audience, subject: 'anonymous', ttlSeconds: 60 });

    const refused: Record<string, string>[] = [
      {},
      { authorization: 'Bearer not-a-token' },
      { authorization: `Bearer ${await token('users', 'internal')}` },
      { authorization: `Bearer ${await token('listings', 'access')}` },
    ];
    for (const headers of refused) {
      const response = await direct(headers);
      expect(response.status).toBe(401);
      const body = (await response.json()) as GraphQLResponse;
      expect(body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    }
    expect((await direct({ authorization: `Bearer ${await token('listings', 'internal')}` })).status).toBe(
      200,
    );
  });

  it('exposes Prometheus latency histograms', async () => {
    const text = await (await fetch(`${router.url}/metrics`)).text();
    expect(text).toContain('http_server_request_duration_seconds_bucket');
    expect(text).toMatch(/route="\/graphql"/);
  });
});
