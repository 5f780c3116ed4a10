import { parse, type FieldNode, type FormattedExecutionResult, type OperationDefinitionNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { OutboxWriter } from '../../platform/src/events/outbox';
import { eventCatalog, listingUpdated } from '../../schema/src';
import { moderationDecision } from '../../test/support/e2eFixtures';
import { REPO_ROOT } from '../../test/support/localServers';
import { routerKeys } from '../../test/support/routerKeys';
import {
  eventually,
  readyStatus,
  startService,
  type ServiceProcess,
} from '../../test/support/serviceProcess';

const LISTING_UPDATED_FIELD = `  """A listing's fields were edited"""
  listingUpdated(id: ID!): Listing @eventSubscription(topic: "listings.events.v1", events: ["listing.updated"], entity: "Listing", key: "payload.listingId", resolveWith: "listing", filter: ["id=payload.listingId"])
`;
/** A field bound to a topic the router doesn't read at start. */
const LISTING_MODERATED_FIELD = `  listingModerated(id: ID!): Listing @eventSubscription(topic: "moderation.events.v1", events: ["moderation.decision.made"], entity: "Listing", key: "payload.listingId", resolveWith: "listing", filter: ["id=payload.listingId"])
`;

interface Subscription {
  results: FormattedExecutionResult[];
  completed: boolean;
}

/**
 * A router over a supergraph file that changes under live subscriptions, with a real Kafka and a stub
 * for the subgraphs: a change that keeps a subscription's meaning keeps it delivering, a field bound to
 * a new topic is served without a restart, and a removed field ends its subscriptions with an error.
 */
describe('live subscriptions across a supergraph reload', () => {
  let dir: string;
  let path: string;
  let committed: string;
  let stub: Server;
  let router: ServiceProcess;
  let client: Client;
  let producer: Producer;
  /** What the stub answers for each listing's title: the test sets it before each event. */
  const titles = new Map<string, string>();
  const listing = randomUUID();
  const writer = new OutboxWriter(eventCatalog(), 'test');

  const publish = async (...events: Parameters<OutboxWriter['records']>) => {
    for (const { topic, key, value, headers } of writer.records(...events))
      await producer.send({ topic, messages: [{ key, value, headers }] });
  };
  const edit = (title: string) => {
    titles.set(listing, title);
    return publish({
      type: listingUpdated.type,
      aggregate: { id: listing, version: 1 },
      actor: { type: 'user', id: randomUUID() },
      payload: { listingId: listing, changedFields: ['title'] },
    });
  };

  const metric = async (name: string, label = ''): Promise<number> => {
    const text = await (await fetch(`${router.url}/metrics`)).text();
    return text
      .split('\n')
      .filter((line) => (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && line.includes(label))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
  };
  const rechecks = () => router.output().split('live subscriptions re-checked').length - 1;
  const reload = async (sdl: string) => {
    const before = rechecks();
    await writeFile(path, sdl);
    await eventually('the reload re-checked the subscriptions', async () => rechecks() > before);
    // A newly bound topic holds /ready until the feed is positioned on it.
    await eventually('router ready', async () => (await readyStatus(router.url)) === 200);
  };

  const subscribe = (query: string, variables: Record<string, unknown>): Subscription => {
    const subscription: Subscription = { results: [], completed: false };
    client.subscribe(
      { query, variables },
      {
        next: (result) => void subscription.results.push(result as FormattedExecutionResult),
        error: () => undefined,
        complete: () => (subscription.completed = true),
      },
    );
    return subscription;
  };

  beforeAll(async () => {
    // Every subgraph's URL: healthy, and answers the entity query the router sends for an event.
    stub = createServer((req, res) => {
      if (req.method !== 'POST') return void res.end('ok');
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const { query, variables } = JSON.parse(body) as { query: string; variables: Record<string, string> };
        const operation = parse(query).definitions[0] as OperationDefinitionNode;
        const root = operation.selectionSet.selections[0] as FieldNode;
        const id = Object.values(variables)[0] as string;
        const entity: Record<string, unknown> = {};
        for (const selection of root.selectionSet?.selections ?? []) {
          const field = selection as FieldNode;
          const name = field.name.value;
          entity[field.alias?.value ?? name] =
            name === 'id' ? id : name === 'title' ? (titles.get(id) ?? null) : 'Listing';
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: { [root.alias?.value ?? root.name.value]: entity } }));
      });
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    const stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}/graphql`;

    dir = await mkdtemp(join(tmpdir(), 'hg-subscription-reload-'));
    path = join(dir, 'supergraph.graphql');
    await copyFile(join(REPO_ROOT, 'schema/supergraph.graphql'), path);
    committed = await readFile(path, 'utf8');
    router = await startService('router/dist/main.js', {
      SUPERGRAPH_PATH: path,
      SUPERGRAPH_POLL_MS: '50',
      ROUTER_SIGNING_KEY: (await routerKeys()).ROUTER_SIGNING_KEY,
      REDIS_URL: process.env['REDIS_URL'] as string,
      KAFKA_BROKERS: process.env['KAFKA_BROKERS'] as string,
      RATE_LIMIT_KEY_PREFIX: `test-${randomUUID()}`,
      APQ_KEY_PREFIX: `test-apq-${randomUUID()}`,
      SUBGRAPH_USERS_URL: stubUrl,
      SUBGRAPH_ORGS_URL: stubUrl,
      SUBGRAPH_LISTINGS_URL: stubUrl,
    });
    await eventually('router ready', async () => (await readyStatus(router.url)) === 200);
    const kafka = new Kafka({
      brokers: (process.env['KAFKA_BROKERS'] as string).split(','),
      logLevel: logLevel.NOTHING,
    });
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    client = createClient({
      url: `${router.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
  });

  afterAll(async () => {
    await client?.dispose();
    await producer?.disconnect();
    await router?.stop();
    await new Promise((resolve) => stub?.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps delivering across a harmless change, serves a new topic, and ends a removed field', async () => {
    const updates = subscribe('subscription ($id: ID!) { listingUpdated(id: $id) { id title } }', {
      id: listing,
    });
    await eventually('subscribed', async () => (await metric('graphql_subscriptions_active')) === 1);
    await edit('first');
    await eventually('first edit delivered', async () => updates.results.length === 1);

    // A description changes and a field bound to another topic appears: listingUpdated means the same.
    const changed = committed
      .replace(`"""A listing's fields were edited"""`, `"""A listing's fields were edited (reworded)"""`)
      .replace(
        LISTING_UPDATED_FIELD.split('\n')[1]!,
        `${LISTING_UPDATED_FIELD.split('\n')[1]!}\n${LISTING_MODERATED_FIELD}`,
      );
    expect(changed).toContain('listingModerated');
    await reload(changed);
    expect(router.output()).toContain('"kept":1,"ended":0');
    await edit('second');
    await eventually('second edit delivered', async () => updates.results.length === 2);
    expect(
      updates.results.map((result) => (result.data?.['listingUpdated'] as { title: string }).title),
    ).toEqual(['first', 'second']);
    expect(updates.completed).toBe(false);

    const moderated = subscribe('subscription ($id: ID!) { listingModerated(id: $id) { id title } }', {
      id: listing,
    });
    await eventually('subscribed', async () => (await metric('graphql_subscriptions_active')) === 2);
    titles.set(listing, 'approved');
    await publish(moderationDecision(listing, 'APPROVED'));
    await eventually('the newly bound topic delivered', async () => moderated.results.length === 1);
    expect(moderated.results[0]?.data).toEqual({ listingModerated: { id: listing, title: 'approved' } });

    // listingUpdated goes away: its subscriber is told, the other subscription goes on.
    await reload(
      changed.replace(
        LISTING_UPDATED_FIELD.replace('fields were edited', 'fields were edited (reworded)'),
        '',
      ),
    );
    await eventually('the removed field ended its subscription', async () => updates.completed);
    expect(updates.results).toHaveLength(3);
    expect(updates.results[2]).toEqual({
      errors: [
        {
          message: 'The schema changed: Subscription.listingUpdated was removed. Subscribe again.',
          extensions: { code: 'SUBSCRIPTION_SCHEMA_CHANGED', reason: 'field_removed' },
        },
      ],
    });
    expect(await metric('graphql_subscriptions_schema_changed_total', 'reason="field_removed"')).toBe(1);
    expect(await metric('graphql_subscriptions_active')).toBe(1);
    expect(router.output()).toContain('subscription ended: the supergraph no longer serves it as it was');

    await edit('third');
    titles.set(listing, 'approved again');
    await publish(moderationDecision(listing, 'APPROVED'));
    await eventually('the kept subscription still delivers', async () => moderated.results.length === 2);
    expect(updates.results).toHaveLength(3);
  });
});
