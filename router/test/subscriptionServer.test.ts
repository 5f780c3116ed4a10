import { Supergraph } from '@apollo/federation-internals';
import type { FormattedExecutionResult } from 'graphql';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import WebSocket from 'ws';
import { AppError, type EventEnvelope } from '../../platform/src';
import { createLogger } from '../../platform/src/logger';
import type { User } from '../src/accessTokens';
import type { Caller } from '../src/caller';
import { readBindings } from '../src/subscriptions/bindings';
import type { EntityQuery } from '../src/subscriptions/rewrite';
import {
  createSubscriptionServer,
  type SubscriptionServer,
  type SubscriptionServerOptions,
} from '../src/subscriptions/server';

const SUPERGRAPH = readFileSync(join(__dirname, '../../schema/supergraph.graphql'), 'utf8');
const served = {
  apiSchema: Supergraph.build(SUPERGRAPH).apiSchema().toGraphQLJSSchema(),
  bindings: readBindings(SUPERGRAPH),
};
const ADA = 'a1b2c3d4-0000-4000-8000-0000000000aa';
const BEA = 'a1b2c3d4-0000-4000-8000-0000000000bb';
const TOPIC = 'listings.events.v1';
const LIMITS = { depth: 12, aliases: 30, cost: 5_000, tokens: 2_000, directives: 20 };

/** A JWT-shaped token; the stub verifier below stands in for the signature check. */
const token = (subject: string) => {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'EdDSA' })}.${part({ sub: subject, exp: Math.floor(Date.now() / 1000) + 600 })}.c2ln`;
};

const verifyAccessToken = async (authorization: string | undefined): Promise<User | undefined> => {
  if (authorization === undefined) return undefined;
  const [, payload] = authorization.replace(/^Bearer /, '').split('.');
  try {
    const { sub } = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as { sub: string };
    return { id: sub, roles: ['USER'] };
  } catch {
    throw new AppError('UNAUTHENTICATED', 'invalid token');
  }
};

let sequence = 0;
const event = (type: string, listingId: string, extra: Record<string, unknown> = {}): EventEnvelope => ({
  eventId: `018f0000-0000-7000-8000-${String(++sequence).padStart(12, '0')}`,
  type,
  version: 1,
  occurredAt: '2026-01-01T00:00:00Z',
  producer: 'listings',
  aggregate: { type: 'Listing', id: listingId, version: sequence },
  actor: { type: 'user', id: ADA },
  payload: { listingId, ownerId: ADA, changedFields: ['title'], ...extra },
});

/** A graphql-transport-ws client by hand, so a test can stop reading like a stalled phone would. */
class RawClient {
  readonly messages: Array<{ id?: string; type: string; payload?: FormattedExecutionResult }> = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly socket: WebSocket;

  constructor(url: string) {
    this.socket = new WebSocket(url, 'graphql-transport-ws');
    this.socket.on('message', (data: Buffer) => this.messages.push(JSON.parse(data.toString())));
    this.closed = new Promise((resolve) =>
      this.socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  async init(authorization?: string): Promise<void> {
    if (this.socket.readyState !== WebSocket.OPEN)
      await new Promise((resolve) => this.socket.once('open', resolve));
    this.send({ type: 'connection_init', payload: authorization ? { authorization } : {} });
  }

  send(message: object): void {
    this.socket.send(JSON.stringify(message));
  }

  subscribe(id: string, query: string, variables: Record<string, unknown> = {}): void {
    this.send({ id, type: 'subscribe', payload: { query, variables } });
  }

  results(id: string): FormattedExecutionResult[] {
    return this.messages
      .filter((message) => message.id === id && message.type === 'next')
      .map((m) => m.payload!);
  }

  /** Stops reading from the socket: the server's writes pile up in the kernel, then in the router. */
  stall(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Keeps only how many results arrived, not their bodies. */
  forget(): void {
    for (const message of this.messages) if (message.type === 'next') delete message.payload;
  }

  close(): void {
    this.socket.terminate();
  }
}

const until = async (probe: () => boolean | Promise<boolean>) => {
  while (!(await probe())) await new Promise((resolve) => setTimeout(resolve, 1));
};

describe('the subscription server', () => {
  let http: Server;
  let url: string;
  let server: SubscriptionServer;
  let registry: Registry;
  const clients: RawClient[] = [];
  let executions: Array<{ query: EntityQuery; variables: Record<string, unknown>; caller: Caller }>;
  let answer: (key: string, query: EntityQuery) => Promise<FormattedExecutionResult>;

  const connect = async (authorization?: string) => {
    const client = new RawClient(url);
    clients.push(client);
    await client.init(authorization);
    await until(() => client.messages.some((message) => message.type === 'connection_ack'));
    return client;
  };
  const active = async () =>
    (await registry.getSingleMetric('graphql_subscriptions_active')!.get()).values[0]!.value;

  const start = (
    maxBufferedBytes = 1_048_576,
    extra: Pick<SubscriptionServerOptions, 'admit' | 'maxSubscriptionsPerSocket'> = {},
  ) => {
    server = createSubscriptionServer({
      ...extra,
      server: http,
      path: '/graphql',
      verifyAccessToken,
      trustedProxies: new Set(),
      schema: () => served,
      execute: (query, variables, caller) => {
        executions.push({ query, variables, caller });
        return answer(variables[query.keyVariable] as string, query);
      },
      limits: LIMITS,
      maxBufferedBytes,
      eventsEnabled: true,
      logger: createLogger({ service: 'test', level: 'silent' }),
      registry,
      keepAliveMs: 0,
    });
  };

  beforeEach(async () => {
    executions = [];
    registry = new Registry();
    answer = async (key, query) => ({ data: { [query.responseKey]: { id: key, title: `title of ${key}` } } });
    http = createServer((_req, res) => res.end());
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/graphql`;
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await server.close();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });

  it('closes with 4401 and a reason on credentials that do not verify', async () => {
    start();
    const client = new RawClient(url);
    clients.push(client);
    await client.init('Bearer not-a-jwt');
    expect(await client.closed).toEqual({ code: 4401, reason: 'unauthenticated: invalid token' });
  });

  it('refuses other paths', async () => {
    start();
    const socket = new WebSocket(url.replace('/graphql', '/elsewhere'), 'graphql-transport-ws');
    const failure = await new Promise<Error>((resolve) => socket.once('error', resolve));
    expect(failure.message).toMatch(/404/);
  });

  it('resolves once per distinct query, key and caller, withholds nulls and keeps each order', async () => {
    start();
    const query = 'subscription ($id: ID!) { listingUpdated(id: $id) { id title } }';
    const first = await connect();
    const second = await connect();
    const signedIn = await connect(`Bearer ${token(ADA)}`);
    first.subscribe('a', query, { id: 'one' });
    second.subscribe('a', query, { id: 'one' });
    signedIn.subscribe('a', query, { id: 'one' });
    signedIn.subscribe('mine', 'subscription { myListingsActivity { id } }');
    await until(async () => (await active()) === 4);

    // The first event's query answers last: it must still be delivered first.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    answer = async (key, entity) => {
      const call = executions.length;
      if (key === 'one' && call <= 3) await held;
      return { data: { [entity.responseKey]: key === 'hidden' ? null : { id: key, title: `v${call}` } } };
    };
    await server.dispatch(TOPIC, event('listing.updated', 'one'));
    await server.dispatch(TOPIC, event('listing.updated', 'hidden'));
    await server.dispatch(TOPIC, event('listing.status_changed', 'one'));
    await server.dispatch(TOPIC, event('listing.updated', 'one'));
    release();
    await until(() => first.results('a').length === 2 && signedIn.results('mine').length === 3);

    // Event 1: anonymous (shared by two sockets), Ada for listingUpdated, Ada for myListingsActivity.
    // Event 2 (another listing): only myListingsActivity. Event 3: myListingsActivity. Event 4: as 1.
    expect(executions).toHaveLength(3 + 1 + 1 + 3);
    expect(first.results('a')).toEqual(second.results('a'));
    const titles = (client: RawClient, id: string, field: string) =>
      client.results(id).map((result) => (result.data?.[field] as { title?: string; id: string }).title);
    expect(titles(first, 'a', 'listingUpdated')).toEqual(['v1', 'v6']);
    expect(titles(signedIn, 'a', 'listingUpdated')).toEqual(['v2', 'v7']);
    // v4 was the hidden listing: resolved, null, not sent.
    expect(
      signedIn
        .results('mine')
        .map((result) => (result.data?.['myListingsActivity'] as { title: string }).title),
    ).toEqual(['v3', 'v5', 'v8']);
    const callers = new Set(executions.map(({ caller }) => caller.user?.id ?? 'anonymous'));
    expect(callers).toEqual(new Set(['anonymous', ADA]));
  });

  it('cuts off a socket that stops reading, while another keeps up', async () => {
    start(512 * 1024);
    // Large results, so the kernel's socket buffers (tens of MiB on loopback) fill within few events.
    const big = 'x'.repeat(256 * 1024);
    answer = async (key, entity) => ({ data: { [entity.responseKey]: { id: key, title: big } } });
    const query = 'subscription ($id: ID!) { listingUpdated(id: $id) { id title } }';
    const slow = await connect();
    const fast = await connect();
    slow.subscribe('s', query, { id: 'one' });
    fast.subscribe('f', query, { id: 'one' });
    await until(async () => (await active()) === 2);
    await until(() => slow.results('s').length === 0);
    slow.stall();

    const cutOff = async () =>
      (await registry.getSingleMetric('graphql_subscription_sockets_closed_total')!.get()).values.some(
        ({ labels, value }) => labels['reason'] === 'slow_consumer' && value === 1,
      );
    let sent = 0;
    while (!(await cutOff())) {
      await server.dispatch(TOPIC, event('listing.updated', 'one'));
      sent += 1;
      await until(() => fast.results('f').length === sent);
      // Received items are dropped as they arrive, or this test would hold every one of them.
      fast.forget();
    }
    // Reading again, the stalled client gets what was already on its way, then the close.
    slow.resume();
    expect(await slow.closed).toEqual({ code: 4008, reason: 'slow consumer' });
    await server.dispatch(TOPIC, event('listing.updated', 'one'));
    await until(() => fast.results('f').length === sent + 1);
  }, 30_000);

  it('closes a socket whose refreshed token is for someone else', async () => {
    start();
    const client = await connect(`Bearer ${token(ADA)}`);
    client.send({ type: 'ping', payload: { authorization: `Bearer ${token(BEA)}` } });
    expect(await client.closed).toEqual({
      code: 4401,
      reason: 'a refreshed token must be for the same user',
    });
  });

  it('keeps a socket whose refreshed token is for the same user', async () => {
    start();
    const client = await connect(`Bearer ${token(ADA)}`);
    client.send({ type: 'ping', payload: { authorization: `Bearer ${token(ADA)}` } });
    await until(() => client.messages.some((message) => message.type === 'pong'));
    client.subscribe('m', 'subscription { myListingsActivity { id } }');
    await until(async () => (await active()) === 1);
  });

  it('answers errors for what it cannot serve', async () => {
    start();
    const client = await connect();
    client.subscribe('q', '{ listings { id } }');
    client.subscribe('bad', 'subscription { nothing }');
    await until(() => client.messages.filter((message) => message.type === 'error').length === 2);
    const errors = client.messages.filter((message) => message.type === 'error');
    expect(JSON.stringify(errors)).toMatch(/Only subscriptions are served over WebSocket/);
    expect(JSON.stringify(errors)).toMatch(/Cannot query field/);
  });

  it('refuses a subscription past the per-socket cap, and takes one again once another completed', async () => {
    start(undefined, { maxSubscriptionsPerSocket: 2 });
    const client = await connect();
    const query = 'subscription ($id: ID!) { listingUpdated(id: $id) { id } }';
    client.subscribe('1', query, { id: 'one' });
    client.subscribe('2', query, { id: 'two' });
    await until(async () => (await active()) === 2);
    client.subscribe('3', query, { id: 'three' });
    await until(() => client.messages.some((message) => message.id === '3' && message.type === 'error'));
    expect(JSON.stringify(client.messages.find((message) => message.id === '3'))).toMatch(
      /"code":"SUBSCRIPTION_LIMIT_EXCEEDED"/,
    );
    expect(await active()).toBe(2);

    client.send({ id: '1', type: 'complete' });
    await until(async () => (await active()) === 1);
    client.subscribe('4', query, { id: 'four' });
    await until(async () => (await active()) === 2);
  });

  it('counts sockets and subscribes against the rate limits: the address first, then the user', async () => {
    const counted: string[] = [];
    const refuse = new Set<string>();
    start(undefined, {
      admit: async (key) => {
        counted.push(key);
        return refuse.has(key) ? 7 : undefined;
      },
    });
    const client = await connect(`Bearer ${token(ADA)}`);
    expect(counted).toEqual(['ip:127.0.0.1', `user:${ADA}`]);

    refuse.add(`user:${ADA}`);
    client.subscribe('1', 'subscription { myListingsActivity { id } }');
    await until(() => client.messages.some((message) => message.id === '1' && message.type === 'error'));
    const refusal = JSON.stringify(client.messages.find((message) => message.id === '1'));
    expect(refusal).toMatch(/"code":"RATE_LIMITED"/);
    expect(refusal).toMatch(/"retryAfterSeconds":7/);
    expect(await active()).toBe(0);

    refuse.add('ip:127.0.0.1');
    const turnedAway = new RawClient(url);
    clients.push(turnedAway);
    await turnedAway.init();
    expect(await turnedAway.closed).toEqual({ code: 1013, reason: 'rate limited; retry in 7 s' });
  });
});
