import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { graphql, startStack, type Stack, type SubgraphName } from '../support/stack';

const PAGE = `query ($first: Int!) {
  listings(first: $first) { id title owner { id displayName } organization { id name } }
}`;

/** Sums the samples of one Prometheus series (all label sets containing `labels`). */
async function metric(baseUrl: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

async function insert(url: string, sql: string, rows: unknown[][]): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const row of rows) await client.query(sql, row);
  } finally {
    await client.end();
  }
}

/**
 * DataLoader batching, counted on real servers: a page of listings with their agents (users) and
 * agencies (orgs) costs one fetch per subgraph per plan level and the same few SQL statements in each
 * subgraph whether the page holds 5 listings or 50.
 */
describe('a page of listings with owner and organization', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
    const users = Array.from({ length: 50 }, (_, index) => [
      randomUUID(),
      `agent${index}@batch.example`,
      `Agent ${index}`,
    ]);
    const organizations = Array.from({ length: 5 }, (_, index) => [
      randomUUID(),
      `Agency ${index}`,
      users[index]![0],
    ]);
    await insert(
      stack.databases.users.url,
      `INSERT INTO users (id, email, display_name, password_hash, roles) VALUES ($1, $2, $3, 'not-a-hash', ARRAY['USER','AGENT']::"Role"[])`,
      users,
    );
    await insert(
      stack.databases.orgs.url,
      'INSERT INTO organizations (id, name, created_by) VALUES ($1, $2, $3)',
      organizations,
    );
    await insert(
      stack.databases.listings.url,
      `INSERT INTO listings (id, owner_id, organization_id, title, status, property_type, currency, city, country_code, latitude, longitude)
       VALUES ($1, $2, $3, $4, 'ACTIVE', 'RESIDENTIAL', 'EUR', 'Lisbon', 'PT', 38.72, -9.14)`,
      users.map((user, index) => [
        randomUUID(),
        user[0],
        organizations[index % 5]![0],
        `Listing number ${index}`,
      ]),
    );
  });

  afterAll(() => stack?.stop());

  async function cost(first: number) {
    const subgraphs: SubgraphName[] = ['listings', 'users', 'orgs'];
    const read = () =>
      Promise.all([
        ...subgraphs.map((name) =>
          metric(stack.router.url, 'graphql_subgraph_fetch_duration_seconds_count', `subgraph="${name}"`),
        ),
        ...subgraphs.map((name) =>
          metric(stack.subgraphs[name].url, 'db_query_duration_seconds_count', 'origin="request"'),
        ),
      ]);
    const before = await read();
    const reply = await graphql<{
      listings: Array<{ owner: { displayName: string }; organization: { name: string } }>;
    }>(stack.router.url, PAGE, { first });
    expect(reply.errors).toBeUndefined();
    expect(reply.data?.listings).toHaveLength(first);
    expect(
      reply.data?.listings.every((listing) => listing.owner.displayName && listing.organization.name),
    ).toBe(true);
    const after = await read();
    const delta = after.map((value, index) => value - (before[index] as number));
    return {
      fetches: Object.fromEntries(subgraphs.map((name, index) => [name, delta[index]])),
      statements: Object.fromEntries(subgraphs.map((name, index) => [name, delta[index + 3]])),
    };
  }

  it('costs one fetch per subgraph and one statement per fetch, for 5 listings as for 50', async () => {
    const small = await cost(5);
    const large = await cost(50);
    expect(large.fetches).toEqual({ listings: 1, users: 1, orgs: 1 });
    expect(large.statements).toEqual({ listings: 1, users: 1, orgs: 1 });
    expect(large).toEqual(small);
  });
});
