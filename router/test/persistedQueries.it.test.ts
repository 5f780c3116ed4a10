import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/support/localServers';
import { codeOf, startRouterUnderTest, type RouterUnderTest } from './routerHarness';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const persisted = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

/** Automatic persisted queries live in Redis: shared by replicas and kept across a restart. */
describe('router automatic persisted queries', () => {
  let harness: RouterUnderTest;

  beforeAll(async () => {
    harness = await startRouterUnderTest();
  });

  afterAll(async () => {
    await harness?.stop();
  });

  it('asks for an unknown hash, registers it, then runs it by hash alone, also after a restart', async () => {
    // Unique per run, so the hash is unknown to Redis.
    const query = `query Apq${randomUUID().replace(/-/g, '')} { listings(first: 2) { id } }`;
    const hashOnly = { extensions: persisted(sha256(query)) };

    const unknown = await harness.post(hashOnly);
    expect(codeOf(unknown)).toBe('PERSISTED_QUERY_NOT_FOUND');

    const registered = await harness.post({ query, ...hashOnly });
    expect(registered.body.data).toEqual({ listings: [{ id: 'listing-1' }] });

    expect((await harness.post(hashOnly)).body.data).toEqual({ listings: [{ id: 'listing-1' }] });

    await harness.restart();
    expect((await harness.post(hashOnly)).body.data).toEqual({ listings: [{ id: 'listing-1' }] });
  });

  it('refuses a hash that is not the hash of the text sent', async () => {
    const reply = await harness.post({ query: '{ __typename }', extensions: persisted(sha256('{ other }')) });
    expect(reply.status).toBe(400);
  });
});

/** Partner keys run only their safelist, checked before any subgraph is called. */
describe('router partner clients', () => {
  let harness: RouterUnderTest;
  const partnerKey = `pk_${randomUUID()}`;
  const manifest = JSON.parse(
    readFileSync(join(REPO_ROOT, 'schema/persisted-operations/demo-partner.json'), 'utf8'),
  ) as { operations: { id: string; body: string }[] };
  const safelisted = manifest.operations[0] as { id: string; body: string };
  const asPartner = { 'x-api-key': partnerKey };

  beforeAll(async () => {
    harness = await startRouterUnderTest({
      PARTNER_CLIENTS: JSON.stringify([{ name: 'demo-partner', keySha256: sha256(partnerKey) }]),
    });
  });

  afterAll(async () => {
    await harness?.stop();
  });

  it('runs a safelisted operation by hash alone, with no registration', async () => {
    const reply = await harness.post(
      { extensions: persisted(safelisted.id), variables: { first: 1 } },
      asPartner,
    );
    expect(reply.status).toBe(200);
    expect(reply.body.errors).toBeUndefined();
    expect(reply.body.data?.['listings']).toEqual([
      expect.objectContaining({ id: 'listing-1', city: 'Amsterdam' }),
    ]);
  });

  it('runs a safelisted operation sent as its exact text', async () => {
    const reply = await harness.post({ query: safelisted.body, variables: { first: 1 } }, asPartner);
    expect(reply.body.errors).toBeUndefined();
  });

  it.each([
    ['text', { query: '{ listings(first: 1) { id } }' }],
    ['hash', { extensions: persisted(sha256('{ listings(first: 1) { id } }')) }],
    ['hash with other text', { query: '{ listing(id: "x") { id } }', extensions: persisted(safelisted.id) }],
  ])('refuses an operation off the safelist sent as %s, before any subgraph call', async (_case, body) => {
    const before = harness.subgraph.requests;
    const reply = await harness.post(body, asPartner);
    expect(codeOf(reply)).toBe('PERSISTED_QUERY_NOT_ALLOWED');
    expect(reply.body.errors?.[0]?.extensions?.['requestId']).toEqual(expect.any(String));
    expect(reply.body.data).toBeUndefined();
    expect(harness.subgraph.requests).toBe(before);
  });

  it('refuses an unknown API key with 401 UNAUTHENTICATED', async () => {
    const reply = await harness.post(
      { query: safelisted.body, variables: { first: 1 } },
      { 'x-api-key': 'pk_nope' },
    );
    expect(reply.status).toBe(401);
    expect(codeOf(reply)).toBe('UNAUTHENTICATED');
  });

  it('leaves requests without an API key free to run any operation', async () => {
    const reply = await harness.post({ query: '{ listings(first: 1) { id } }' });
    expect(reply.body.data).toEqual({ listings: [{ id: 'listing-1' }] });
  });
});
