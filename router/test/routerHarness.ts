import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { internalTokenAuthenticator, type CallerIdentity } from '../../platform/src/auth/internal';
import { generateSigningKey, jwksOf, signToken, type SigningKey } from '../../platform/src/auth/tokens';
import { routerKeys } from '../../test/support/routerKeys';
import { eventually, startService, type ServiceProcess } from '../../test/support/serviceProcess';

export interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface Reply {
  status: number;
  headers: Headers;
  body: GraphQLBody;
}

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

const close = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

const readAll = async (req: IncomingMessage): Promise<string> => {
  let text = '';
  for await (const chunk of req as AsyncIterable<Buffer>) text += chunk.toString();
  return text;
};

export const LISTING = {
  __typename: 'Listing',
  id: 'listing-1',
  title: 'Two rooms by the canal',
  status: 'ACTIVE',
  city: 'Amsterdam',
  countryCode: 'NL',
  listPrice: 450000,
  currency: 'EUR',
  bedroomsTotal: 2,
  latitude: 52.37,
  longitude: 4.89,
  modificationTimestamp: '2026-01-01T00:00:00Z',
};

/**
 * Stands in for the listings subgraph: checks the router's internal token exactly as a real subgraph
 * does (same platform code, audience `listings`) and records who the router said was calling.
 */
export interface StubSubgraph {
  url: string;
  identities: CallerIdentity[];
  requests: number;
  close(): Promise<void>;
}

export async function startStubSubgraph(routerPublicJwks: string): Promise<StubSubgraph> {
  const authenticate = internalTokenAuthenticator({
    jwks: JSON.parse(routerPublicJwks) as { keys: object[] },
    issuer: 'homegraph-router',
    audience: 'listings',
  });
  const stub: StubSubgraph = { url: '', identities: [], requests: 0, close: async () => undefined };
  const server = createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    void (async () => {
      stub.requests++;
      const { query } = JSON.parse(await readAll(req)) as { query: string };
      const identity = await authenticate(req).catch(() => undefined);
      res.setHeader('content-type', 'application/json');
      if (!identity) {
        res.writeHead(401).end(JSON.stringify({ errors: [{ message: 'unauthenticated' }] }));
        return;
      }
      stub.identities.push(identity);
      const data = /\blistings\b/.test(query) ? { listings: [LISTING] } : { listing: LISTING };
      res.end(JSON.stringify({ data }));
    })();
  });
  stub.url = `${await listen(server)}/graphql`;
  stub.close = () => close(server);
  return stub;
}

/** Publishes the users subgraph's access-token keys; `keys` may change while the router runs. */
export interface JwksServer {
  url: string;
  keys: SigningKey[];
  close(): Promise<void>;
}

export async function startJwksServer(...keys: SigningKey[]): Promise<JwksServer> {
  const jwks: JwksServer = { url: '', keys, close: async () => undefined };
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwksOf(...jwks.keys)));
  });
  jwks.url = `${await listen(server)}/.well-known/jwks.json`;
  jwks.close = () => close(server);
  return jwks;
}

export async function accessToken(
  key: SigningKey,
  options: { subject?: string; roles?: string[]; ttlSeconds?: number; type?: 'access' | 'internal' } = {},
): Promise<string> {
  return signToken(key, {
    type: options.type ?? 'access',
    issuer: 'homegraph-users',
    audience: 'homegraph',
    subject: options.subject ?? randomUUID(),
    ttlSeconds: options.ttlSeconds ?? 300,
    claims: { roles: options.roles ?? ['USER'] },
  });
}

/**
 * A router listens before its Redis connection is up, and fails open meanwhile (limits not counted,
 * persisted queries not found); tests that count on Redis wait for it through /ready.
 */
export async function redisConnected(router: ServiceProcess): Promise<void> {
  await eventually('the router is connected to Redis', async () => {
    const response = await fetch(`${router.url}/ready`);
    const report = (await response.json()) as { checks: Record<string, { ok: boolean }> };
    return report.checks['redis']?.ok === true;
  });
}

async function startRouter(env: Record<string, string>): Promise<ServiceProcess> {
  const router = await startService('router/dist/main.js', env);
  await redisConnected(router);
  return router;
}

/** A router wired to a stub listings subgraph and a JWKS server of its own, with its own Redis keys. */
export interface RouterUnderTest {
  router: ServiceProcess;
  subgraph: StubSubgraph;
  jwks: JwksServer;
  usersKey: SigningKey;
  env: Record<string, string>;
  post(body: unknown, headers?: Record<string, string>): Promise<Reply>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRouterUnderTest(env: Record<string, string> = {}): Promise<RouterUnderTest> {
  const keys = await routerKeys();
  const usersKey = await generateSigningKey();
  const subgraph = await startStubSubgraph(keys.ROUTER_PUBLIC_JWKS);
  const jwks = await startJwksServer(usersKey);
  const fullEnv: Record<string, string> = {
    ROUTER_SIGNING_KEY: keys.ROUTER_SIGNING_KEY,
    REDIS_URL: process.env['REDIS_URL'] as string,
    SUBGRAPH_LISTINGS_URL: subgraph.url,
    USERS_JWKS_URL: jwks.url,
    RATE_LIMIT_KEY_PREFIX: `test-${randomUUID()}`,
    APQ_KEY_PREFIX: `test-apq-${randomUUID()}`,
    ...env,
  };
  const harness: RouterUnderTest = {
    router: await startRouter(fullEnv),
    subgraph,
    jwks,
    usersKey,
    env: fullEnv,
    post: async (body, headers = {}) => {
      const response = await fetch(`${harness.router.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return {
        status: response.status,
        headers: response.headers,
        body: (await response.json()) as GraphQLBody,
      };
    },
    restart: async () => {
      await harness.router.stop();
      harness.router = await startRouter(fullEnv);
    },
    stop: async () => {
      await harness.router.stop();
      await subgraph.close();
      await jwks.close();
    },
  };
  return harness;
}

export const codeOf = (reply: Reply): unknown => reply.body.errors?.[0]?.extensions?.['code'];
