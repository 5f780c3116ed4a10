import { composeServices } from '@apollo/composition';
import { getIntrospectionQuery, parse } from 'graphql';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/support/localServers';
import { codeOf, startRouterUnderTest, type Reply, type RouterUnderTest } from './routerHarness';

/**
 * Today's supergraph has no field that nests, so bombs are built against the listings schema plus one
 * recursive field, composed here into a supergraph of the test's own.
 */
async function recursiveSupergraph(dir: string): Promise<string> {
  const sdl = (await readFile(join(REPO_ROOT, 'subgraphs/listings/schema.graphql'), 'utf8')).replace(
    '  title: String!',
    '  title: String!\n  similar(limit: Int): [Listing!]!',
  );
  const composed = composeServices([
    { name: 'listings', url: 'http://127.0.0.1:4003/graphql', typeDefs: parse(sdl) },
  ]);
  if (!composed.supergraphSdl) throw new Error(`composition failed: ${String(composed.errors)}`);
  const path = join(dir, 'supergraph.graphql');
  await writeFile(path, composed.supergraphSdl);
  return path;
}

/** Abusive operations are refused with BAD_USER_INPUT and the limit they broke, before any subgraph call. */
describe('router operation limits', () => {
  let dir: string;
  let harness: RouterUnderTest;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hg-limits-'));
    harness = await startRouterUnderTest({
      SUPERGRAPH_PATH: await recursiveSupergraph(dir),
      RATE_LIMIT_IP_PER_MINUTE: '10000',
    });
  });

  afterAll(async () => {
    await harness?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const refused = async (body: unknown, limit: number) => {
    const before = harness.subgraph.requests;
    const reply: Reply = await harness.post(body);
    expect(codeOf(reply)).toBe('BAD_USER_INPUT');
    const extensions = reply.body.errors?.[0]?.extensions;
    expect(extensions).toEqual(
      expect.objectContaining({ limit, actual: expect.any(Number), requestId: expect.any(String) }),
    );
    expect(extensions?.['actual']).toBeGreaterThan(limit);
    expect(reply.body.data).toBeUndefined();
    expect(harness.subgraph.requests).toBe(before);
  };

  it('runs an operation within every limit', async () => {
    const reply = await harness.post({ query: '{ listings(first: 5) { id similar(limit: 3) { id } } }' });
    expect(reply.body.errors).toBeUndefined();
  });

  it('refuses a depth bomb', async () => {
    const query = `{ listing(id: "1") { ${'similar(limit: 1) { '.repeat(12)}id${' }'.repeat(12)} } }`;
    await refused({ query }, 12);
  });

  it('refuses an alias bomb', async () => {
    const aliases = Array.from({ length: 31 }, (_, index) => `a${index}: listing(id: "${index}") { id }`);
    await refused({ query: `{ ${aliases.join(' ')} }` }, 30);
  });

  it('refuses a cost bomb, with list sizes from literals and from variables', async () => {
    await refused({ query: '{ listings(first: 100) { similar(limit: 100) { id } } }' }, 5000);
    await refused(
      { query: 'query($n: Int!) { listings(first: $n) { id } }', variables: { n: 10_000 } },
      5000,
    );
  });

  it('refuses a fragment bomb without expanding it', async () => {
    const fragments = Array.from({ length: 30 }, (_, level) =>
      level === 29
        ? `fragment F${level} on Listing { id }`
        : `fragment F${level} on Listing { ...F${level + 1} similar(limit: 1) { ...F${level + 1} } }`,
    );
    // Deep, too: whichever limit trips first, the request is refused.
    const reply = await harness.post({ query: `{ listing(id: "1") { ...F0 } } ${fragments.join(' ')}` });
    expect(codeOf(reply)).toBe('BAD_USER_INPUT');
  });

  it('refuses a token bomb before parsing it', async () => {
    await refused({ query: `{ listings(first: 1) { ${'id '.repeat(2_100)}} }` }, 2000);
  });

  it('refuses a directive bomb, even of unknown directives', async () => {
    await refused({ query: `{ __typename ${'@skip(if: false) '.repeat(21)}}` }, 20);
    await refused({ query: `{ __typename ${'@nope '.repeat(21)}}` }, 20);
  });

  it('still answers the full introspection query in development', async () => {
    const reply = await harness.post({ query: getIntrospectionQuery() });
    expect(reply.body.errors).toBeUndefined();
    expect(reply.body.data?.['__schema']).toBeDefined();
  });
});
