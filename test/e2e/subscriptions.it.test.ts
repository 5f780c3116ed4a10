import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { signToken } from '../../platform/src/auth/tokens';
import { OutboxWriter } from '../../platform/src/events/outbox';
import { eventCatalog, listingUpdated } from '../../schema/src';
import { e2eClient, type Session } from '../support/e2eClient';
import { subscribe, type Subscription } from '../support/e2eFixtures';
import { eventually } from '../support/eventually';
import WebSocket from 'ws';
import { readyStatus, startService, type ServiceProcess } from '../support/serviceProcess';
import { routerEnvironment, startStack, type Stack } from '../support/stack';

/** A router's metric (summed over its series), optionally only the series with one label value. */
async function metric(routerUrl: string, name: string, label = ''): Promise<number> {
  const text = await (await fetch(`${routerUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && line.includes(label))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

/** How many subscriptions a router serves now: a test waits for its own before causing events. */
const activeSubscriptions = (routerUrl: string) => metric(routerUrl, 'graphql_subscriptions_active');

/** A result as sent: it names the event it stands for, so a client can resume after it. */
const sent = (data: Record<string, unknown>) => ({ data, extensions: { eventId: expect.any(String) } });

const WITHHELD = ['graphql_subscription_deliveries_total', 'outcome="withheld"'] as const;

/**
 * Subscriptions through the router on real servers and a real Kafka: events of the listings subgraph
 * reach subscribers with fields from two subgraphs, only where the subscriber may read the listing,
 * from every router replica; bad credentials close the socket with 4401.
 */
describe('subscriptions through the router', () => {
  let stack: Stack;
  let kafka: Kafka;
  const open: Subscription[] = [];
  const routers: ServiceProcess[] = [];

  const { call, register, createOrganization, createListing, decide } = e2eClient(() => ({
    routerUrl: stack.router.url,
    kafka,
  }));

  const track = (subscription: Subscription) => {
    open.push(subscription);
    return subscription;
  };

  const submit = async (session: Session, id: string) => {
    const reply = await call(
      'mutation ($input: ListingTransitionInput!) { submitListing(input: $input) { listing { status } } }',
      { input: { id } },
      session.accessToken,
    );
    expect(reply.errors).toBeUndefined();
  };

  const reprice = async (session: Session, id: string, listPrice: number) => {
    const reply = await call(
      'mutation ($input: UpdateListingInput!) { updateListing(input: $input) { listing { status } } }',
      { input: { id, listPrice } },
      session.accessToken,
    );
    expect(reply.errors).toBeUndefined();
  };

  const statusOf = async (id: string, token: string) =>
    (
      await call<{ listing: { status: string } | null }>(
        'query ($id: ID!) { listing(id: $id) { status } }',
        { id },
        token,
      )
    ).data?.listing?.status;

  /** An agent with an agency and a listing that is ACTIVE (submitted and approved). */
  const activeListing = async (agent: Session, agency: string): Promise<string> => {
    const id = await createListing(agent, await createOrganization(agent, agency));
    await submit(agent, id);
    await decide(id, 'APPROVED');
    await eventually('listing approved', async () => (await statusOf(id, agent.accessToken)) === 'ACTIVE');
    return id;
  };

  const routerEnv = () => ({ KAFKA_BROKERS: process.env['KAFKA_BROKERS'] as string });

  beforeAll(async () => {
    stack = await startStack(routerEnv());
    routers.push(stack.router);
    kafka = new Kafka({
      brokers: (process.env['KAFKA_BROKERS'] as string).split(','),
      logLevel: logLevel.NOTHING,
    });
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((subscription) => subscription.dispose()));
    for (const router of routers)
      await eventually('subscriptions ended', async () => (await activeSubscriptions(router.url)) === 0);
  });

  afterAll(async () => {
    await Promise.all(routers.slice(1).map((router) => router.stop()));
    await stack?.stop();
  });

  it("delivers an owner's edit to a subscriber with fields from two subgraphs", async () => {
    const ada = await register('ada@subscriptions.example');
    const listingId = await activeListing(ada, 'Canal Homes');

    const watcher = track(
      subscribe(
        stack.router.url,
        'subscription ($id: ID!) { listingUpdated(id: $id) { id listPrice status owner { id displayName } } }',
        { id: listingId },
      ),
    );
    await eventually('subscribed', async () => (await activeSubscriptions(stack.router.url)) === 1);

    await reprice(ada, listingId, 439000);
    await eventually('update delivered', async () => watcher.results.length === 1);
    expect(watcher.results[0]).toEqual(
      sent({
        listingUpdated: {
          id: listingId,
          listPrice: 439000,
          status: 'ACTIVE',
          owner: { id: ada.user.id, displayName: 'ada' },
        },
      }),
    );
    expect(watcher.errors).toEqual([]);
    // The router's query for the subscriber is timed apart from clients' queries.
    expect(
      await metric(
        stack.router.url,
        'graphql_operation_duration_seconds_count',
        'operation_type="subscription_event"',
      ),
    ).toBeGreaterThanOrEqual(1);
  });

  it('tells a stranger nothing about a draft, while its owner follows all of it', async () => {
    const bea = await register('bea@subscriptions.example');
    const stranger = await register('stranger@subscriptions.example');
    const draftId = await createListing(bea, await createOrganization(bea, 'Harbour Realty'));

    const peeking = track(
      subscribe(
        stack.router.url,
        'subscription ($id: ID!) { listingStatusChanged(id: $id) { id status } }',
        { id: draftId },
        `Bearer ${stranger.accessToken}`,
      ),
    );
    const own = track(
      subscribe(
        stack.router.url,
        'subscription { myListingsActivity { id status } }',
        {},
        `Bearer ${bea.accessToken}`,
      ),
    );
    await eventually('subscribed', async () => (await activeSubscriptions(stack.router.url)) === 2);

    // The owner subscribed right after creating the draft, so `listing.created` may still arrive:
    // only the statuses after it are certain.
    const ownStatuses = () =>
      own.results.map((result) => (result.data?.['myListingsActivity'] as { status: string }).status);
    const withheld = await metric(stack.router.url, ...WITHHELD);
    await submit(bea, draftId);
    await eventually('owner sees the submission', async () => ownStatuses().includes('PENDING_REVIEW'));
    // The stranger's copy of that event was resolved and withheld, not merely late.
    await eventually(
      "stranger's copy withheld",
      async () => (await metric(stack.router.url, ...WITHHELD)) > withheld,
    );

    // Once public, the same subscription delivers: its first message is the approval, so the
    // submission before it was never sent.
    await decide(draftId, 'APPROVED');
    await eventually('stranger sees the approval', async () => peeking.results.length === 1);
    expect(peeking.results).toEqual([sent({ listingStatusChanged: { id: draftId, status: 'ACTIVE' } })]);
    await eventually('owner sees the approval', async () => ownStatuses().at(-1) === 'ACTIVE');
    expect(
      own.results.every((result) => (result.data?.['myListingsActivity'] as { id: string }).id === draftId),
    ).toBe(true);
    expect(peeking.errors).toEqual([]);
  });

  it('delivers one event from every router replica', async () => {
    const cleo = await register('cleo@subscriptions.example');
    const listingId = await activeListing(cleo, 'Dune Estates');
    const second = await startService('router/dist/main.js', {
      ...routerEnvironment(stack),
      ...routerEnv(),
    });
    routers.push(second);
    await eventually('second router ready', async () => (await readyStatus(second.url)) === 200);

    const query = 'subscription ($id: ID!) { listingUpdated(id: $id) { listPrice owner { displayName } } }';
    const first = track(subscribe(stack.router.url, query, { id: listingId }));
    const other = track(subscribe(second.url, query, { id: listingId }));
    await eventually('subscribed on both', async () =>
      (await Promise.all(routers.map((router) => activeSubscriptions(router.url)))).every(
        (count) => count === 1,
      ),
    );

    await reprice(cleo, listingId, 425000);
    const expected = sent({ listingUpdated: { listPrice: 425000, owner: { displayName: 'cleo' } } });
    await eventually('both delivered', async () => first.results.length === 1 && other.results.length === 1);
    expect(first.results).toEqual([expected]);
    expect(other.results).toEqual([expected]);
  });

  it('cuts off a subscriber that stops reading (4008), while another keeps receiving every event', async () => {
    const dana = await register('dana@subscriptions.example');
    const listingId = await createListing(dana, await createOrganization(dana, 'Harbour Lofts'));
    const edited = await call(
      'mutation ($input: UpdateListingInput!) { updateListing(input: $input) { listing { id } } }',
      { input: { id: listingId, description: 'A generous description. '.repeat(400) } },
      dana.accessToken,
    );
    expect(edited.errors).toBeUndefined();
    await submit(dana, listingId);
    await decide(listingId, 'APPROVED');
    await eventually(
      'listing approved',
      async () => (await statusOf(listingId, dana.accessToken)) === 'ACTIVE',
    );

    // ~200 KB per result, so the kernel's socket buffers and the router's 1 MiB bound fill within
    // tens of events. Raw sockets: the test keeps counts, not the results.
    const aliases = Array.from({ length: 20 }, (_, index) => `d${index}: description`).join(' ');
    const query = `subscription ($id: ID!) { listingUpdated(id: $id) { ${aliases} } }`;
    const socketUrl = `${stack.router.url.replace(/^http/, 'ws')}/graphql`;
    const rawSubscriber = async () => {
      const socket = new WebSocket(socketUrl, 'graphql-transport-ws');
      const state = { results: 0, closed: undefined as { code: number; reason: string } | undefined, socket };
      socket.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString()) as { type: string };
        if (message.type === 'connection_ack')
          socket.send(
            JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables: { id: listingId } } }),
          );
        if (message.type === 'next') state.results += 1;
      });
      socket.on('close', (code, reason) => (state.closed = { code, reason: reason.toString() }));
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
      return state;
    };
    const slow = await rawSubscriber();
    const fast = await rawSubscriber();
    await eventually('both subscribed', async () => (await activeSubscriptions(stack.router.url)) === 2);
    slow.socket.pause();

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const writer = new OutboxWriter(eventCatalog(), 'listings');
    let published = 0;
    try {
      // One event at a time, each delivered to the fast subscriber before the next (a burst of results
      // past the 1 MiB bound would cut off any reader), until the slow one is cut off.
      while (
        !(await metric(
          stack.router.url,
          'graphql_subscription_sockets_closed_total',
          'reason="slow_consumer"',
        ))
      ) {
        expect(published).toBeLessThan(400);
        const [record] = writer.records({
          type: listingUpdated.type,
          aggregate: { id: listingId, version: 1 },
          actor: { type: 'user', id: dana.user.id },
          payload: { listingId, changedFields: ['description'] },
        });
        await producer.send({
          topic: listingUpdated.topic,
          messages: [{ key: record!.key, value: record!.value, headers: record!.headers }],
        });
        published += 1;
        await eventually('the fast subscriber keeps up', async () => fast.results === published);
      }
    } finally {
      await producer.disconnect();
    }
    slow.socket.resume();
    await eventually('the slow socket closed', async () => slow.closed !== undefined);
    expect(slow.closed).toEqual({ code: 4008, reason: 'slow consumer' });
    expect(slow.results).toBeLessThan(published);
    expect(fast.closed).toBeUndefined();
    fast.socket.close(1000);
    await eventually('the fast socket closed', async () => fast.closed !== undefined);
  });

  it('closes with 4401 on credentials that do not verify, and when the access token expires', async () => {
    const query = 'subscription { myListingsActivity { id } }';
    const forged = track(subscribe(stack.router.url, query, {}, 'Bearer not.a.token'));
    expect(await forged.closed).toEqual({ code: 4401, reason: expect.stringMatching(/^unauthenticated/) });
    const basic = track(subscribe(stack.router.url, query, {}, 'Basic YWRhOnNlY3JldA=='));
    expect((await basic.closed).code).toBe(4401);

    const shortLived = await signToken(stack.accessKey, {
      type: 'access',
      issuer: 'homegraph-users',
      audience: 'homegraph',
      subject: randomUUID(),
      ttlSeconds: 1,
      claims: { roles: [] },
    });
    const expiring = track(subscribe(stack.router.url, query, {}, `Bearer ${shortLived}`));
    expect(await expiring.closed).toEqual({ code: 4401, reason: 'access token expired' });
  });
});
