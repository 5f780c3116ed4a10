import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { internalTokenAuthenticator, type CallerIdentity } from '../../platform/src/auth/internal';
import { generateSigningKey, type SigningKey } from '../../platform/src/auth/tokens';
import { routerKeys } from '../../test/support/routerKeys';
import { eventually, startService, type ServiceProcess } from '../../test/support/serviceProcess';
import {
  accessToken,
  codeOf,
  LISTING,
  redisConnected,
  startJwksServer,
  type GraphQLBody,
  type JwksServer,
  type Reply,
} from './routerHarness';

/**
 * A listings subgraph that holds its answers while `holding`: requests that reach it pile up, so a
 * test sees exactly which of its concurrent requests the router sent on and which it merged.
 */
interface GatedSubgraph {
  url: string;
  holding: boolean;
  received: { identity: CallerIdentity | undefined; query: string }[];
  release(): void;
  close(): Promise<void>;
}

const readAll = async (req: IncomingMessage): Promise<string> => {
  let text = '';
  for await (const chunk of req as AsyncIterable<Buffer>) text += chunk.toString();
  return text;
};

async function startGatedSubgraph(routerPublicJwks: string): Promise<GatedSubgraph> {
  const authenticate = internalTokenAuthenticator({
    jwks: JSON.parse(routerPublicJwks) as { keys: object[] },
    issuer: 'homegraph-router',
    audience: 'listings',
  });
  const held: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    void (async () => {
      const { query } = JSON.parse(await readAll(req)) as { query: string };
      const identity = await authenticate(req).catch(() => undefined);
      subgraph.received.push({ identity, query });
      const data = query.trimStart().startsWith('mutation')
        ? { createListing: { listing: LISTING } }
        : { listings: [LISTING] };
      const answer = () =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
      if (subgraph.holding) held.push(answer);
      else answer();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const subgraph: GatedSubgraph = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    holding: false,
    received: [],
    release: () => {
      subgraph.holding = false;
      for (const answer of held.splice(0)) answer();
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return subgraph;
}

const LISTINGS_QUERY = { query: 'query Page { listings(first: 1) { id title city } }' };
const CREATE_LISTING = {
  query: `mutation Create($input: CreateListingInput!) { createListing(input: $input) { listing { id } } }`,
  variables: {
    input: {
      title: 'Two rooms by the canal',
      propertyType: 'RESIDENTIAL',
      currency: 'EUR',
      city: 'Amsterdam',
      countryCode: 'NL',
      latitude: 52.37,
      longitude: 4.89,
    },
  },
};

describe('router merging identical in-flight subgraph queries', () => {
  let subgraph: GatedSubgraph;
  let jwks: JwksServer;
  let usersKey: SigningKey;
  let env: Record<string, string>;
  const routers: ServiceProcess[] = [];
  let router: ServiceProcess;

  const startRouter = async (extra: Record<string, string> = {}) => {
    const started = await startService('router/dist/main.js', { ...env, ...extra });
    routers.push(started);
    await redisConnected(started);
    return started;
  };

  const post = async (through: ServiceProcess, body: unknown, token?: string): Promise<Reply> => {
    const response = await fetch(`${through.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as GraphQLBody,
    };
  };

  /**
   * The router signs a subgraph token per identity and reuses it, but callers that arrive together
   * before the first one is signed each get their own, and so don't merge: one request first.
   */
  const signedIn = async (token: string, through = router) => {
    expect((await post(through, LISTINGS_QUERY, token)).body.errors).toBeUndefined();
  };

  const mergedCount = async (through: ServiceProcess): Promise<number> => {
    const text = await (await fetch(`${through.url}/metrics`)).text();
    const match = /^graphql_subgraph_requests_merged_total(?:\{[^}]*\})? (\d+)/m.exec(text);
    return Number(match?.[1] ?? 0);
  };

  beforeAll(async () => {
    const keys = await routerKeys();
    usersKey = await generateSigningKey();
    subgraph = await startGatedSubgraph(keys.ROUTER_PUBLIC_JWKS);
    jwks = await startJwksServer(usersKey);
    env = {
      ROUTER_SIGNING_KEY: keys.ROUTER_SIGNING_KEY,
      REDIS_URL: process.env['REDIS_URL'] as string,
      SUBGRAPH_LISTINGS_URL: subgraph.url,
      USERS_JWKS_URL: jwks.url,
      RATE_LIMIT_KEY_PREFIX: `test-${randomUUID()}`,
      APQ_KEY_PREFIX: `test-apq-${randomUUID()}`,
    };
    router = await startRouter();
  });

  afterEach(() => subgraph.release());

  afterAll(async () => {
    subgraph.release();
    for (const started of routers) await started.stop();
    await subgraph.close();
    await jwks.close();
  });

  it('sends concurrent identical queries of one user to the subgraph once, and answers each', async () => {
    const userId = randomUUID();
    const token = await accessToken(usersKey, { subject: userId });
    await signedIn(token);
    const mergedBefore = await mergedCount(router);
    const receivedBefore = subgraph.received.length;
    subgraph.holding = true;

    const replies = Array.from({ length: 5 }, () => post(router, LISTINGS_QUERY, token));
    await eventually(
      'one request at the subgraph and four merged into it',
      async () =>
        subgraph.received.length - receivedBefore === 1 && (await mergedCount(router)) - mergedBefore === 4,
      20_000,
    );
    subgraph.release();

    for (const reply of await Promise.all(replies)) {
      expect(reply.status).toBe(200);
      expect(reply.body.errors).toBeUndefined();
      expect(reply.body.data).toEqual({
        listings: [{ id: LISTING.id, title: LISTING.title, city: LISTING.city }],
      });
    }
    const received = subgraph.received.slice(receivedBefore);
    expect(received).toHaveLength(1);
    expect(received[0]?.identity?.subject).toBe(userId);
  });

  it('never merges the same query of two different users', async () => {
    const users = [randomUUID(), randomUUID()];
    const tokens = await Promise.all(users.map((subject) => accessToken(usersKey, { subject })));
    for (const token of tokens) await signedIn(token);
    const mergedBefore = await mergedCount(router);
    const receivedBefore = subgraph.received.length;
    subgraph.holding = true;

    const replies = tokens.flatMap((token) =>
      Array.from({ length: 3 }, () => post(router, LISTINGS_QUERY, token)),
    );
    await eventually(
      'one request per user at the subgraph, the others merged',
      async () =>
        subgraph.received.length - receivedBefore === 2 && (await mergedCount(router)) - mergedBefore === 4,
      20_000,
    );
    subgraph.release();

    for (const reply of await Promise.all(replies)) {
      expect(reply.status).toBe(200);
      expect(reply.body.data).toEqual({
        listings: [{ id: LISTING.id, title: LISTING.title, city: LISTING.city }],
      });
    }
    const subjects = subgraph.received.slice(receivedBefore).map((request) => request.identity?.subject);
    expect(subjects.sort()).toEqual([...users].sort());
  });

  it('never merges identical mutations, even all in flight at once', async () => {
    const token = await accessToken(usersKey, { roles: ['AGENT'] });
    const mergedBefore = await mergedCount(router);
    const receivedBefore = subgraph.received.length;
    subgraph.holding = true;

    const replies = Array.from({ length: 3 }, () => post(router, CREATE_LISTING, token));
    // All three are held at the subgraph at the same time: none waited for another.
    await eventually(
      'three mutations at the subgraph',
      async () => subgraph.received.length - receivedBefore === 3,
      20_000,
    );
    subgraph.release();

    for (const reply of await Promise.all(replies)) {
      expect(reply.status).toBe(200);
      expect(reply.body.data).toEqual({ createListing: { listing: { id: LISTING.id } } });
    }
    expect(
      subgraph.received.slice(receivedBefore).every((request) => request.query.startsWith('mutation')),
    ).toBe(true);
    expect(await mergedCount(router)).toBe(mergedBefore);
  });

  it('answers SERVICE_UNAVAILABLE to every caller of a merged query when the subgraph hangs', async () => {
    const impatient = await startRouter({ SUBGRAPH_TIMEOUT_MS: '500' });
    const token = await accessToken(usersKey);
    await signedIn(token, impatient);
    subgraph.holding = true;

    const replies = await Promise.all(
      Array.from({ length: 3 }, () => post(impatient, LISTINGS_QUERY, token)),
    );

    for (const reply of replies) {
      expect(codeOf(reply)).toBe('SERVICE_UNAVAILABLE');
      expect(JSON.stringify(reply.body)).not.toContain(new URL(subgraph.url).port);
    }
    subgraph.release();
    // The subgraph is back: the next query is asked again, not answered from the failed one.
    const after = await post(impatient, LISTINGS_QUERY, token);
    expect(after.body.errors).toBeUndefined();
    expect(after.body.data).toEqual({
      listings: [{ id: LISTING.id, title: LISTING.title, city: LISTING.city }],
    });
  });

  it('sends every request on when merging is switched off', async () => {
    const unmerged = await startRouter({ SUBGRAPH_DEDUPE_INFLIGHT: 'false' });
    const token = await accessToken(usersKey);
    await signedIn(token, unmerged);
    const receivedBefore = subgraph.received.length;
    subgraph.holding = true;

    const replies = Array.from({ length: 3 }, () => post(unmerged, LISTINGS_QUERY, token));
    await eventually(
      'three queries at the subgraph',
      async () => subgraph.received.length - receivedBefore === 3,
      20_000,
    );
    subgraph.release();
    for (const reply of await Promise.all(replies)) expect(reply.body.errors).toBeUndefined();
    expect(await mergedCount(unmerged)).toBe(0);
  });
});
