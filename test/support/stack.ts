import { randomUUID } from 'node:crypto';
import { generateSigningKey, type SigningKey } from '../../platform/src/auth/tokens';
import { createSubgraphDatabase, type TestDatabase } from './databases';
import { routerKeys } from './routerKeys';
import { eventually, readyStatus, startService, type ServiceProcess } from './serviceProcess';

export const SUBGRAPHS = ['users', 'orgs', 'listings'] as const;
export type SubgraphName = (typeof SUBGRAPHS)[number];

export interface Stack {
  router: ServiceProcess;
  subgraphs: Record<SubgraphName, ServiceProcess>;
  databases: Record<SubgraphName, TestDatabase>;
  /** The router's internal-token keys, to call subgraphs directly as the router would. */
  keys: { ROUTER_SIGNING_KEY: string; ROUTER_PUBLIC_JWKS: string };
  /** The users subgraph's access-token key, to make tokens the router must refuse (expired, wrong typ). */
  accessKey: SigningKey;
  stop(): Promise<void>;
}

/**
 * A router's environment over a stack's subgraphs, with Redis key prefixes of its own (so no two
 * routers share rate limits or persisted queries): for the stack's router and any further replica.
 */
export function routerEnvironment(stack: Pick<Stack, 'keys' | 'subgraphs'>): Record<string, string> {
  const { keys, subgraphs } = stack;
  return {
    ROUTER_SIGNING_KEY: keys.ROUTER_SIGNING_KEY,
    REDIS_URL: process.env['REDIS_URL'] as string,
    RATE_LIMIT_KEY_PREFIX: `test-${randomUUID()}`,
    APQ_KEY_PREFIX: `test-apq-${randomUUID()}`,
    USERS_JWKS_URL: `${subgraphs.users.url}/.well-known/jwks.json`,
    SUBGRAPH_USERS_URL: `${subgraphs.users.url}/graphql`,
    SUBGRAPH_ORGS_URL: `${subgraphs.orgs.url}/graphql`,
    SUBGRAPH_LISTINGS_URL: `${subgraphs.listings.url}/graphql`,
  };
}

/**
 * The whole platform on fresh databases: users, orgs and listings subgraphs and the router over the
 * committed supergraph, each a real process. The listings consumer group gets a suffix of its own, so
 * stacks of parallel test files each see every event.
 */
export async function startStack(routerEnv: Record<string, string> = {}): Promise<Stack> {
  const keys = await routerKeys();
  const accessKey = await generateSigningKey();
  const databases = {} as Record<SubgraphName, TestDatabase>;
  const subgraphs = {} as Record<SubgraphName, ServiceProcess>;
  let router: ServiceProcess | undefined;
  const stop = async () => {
    await router?.stop();
    await Promise.all(Object.values(subgraphs).map((service) => service.stop()));
    await Promise.all(Object.values(databases).map((database) => database.drop()));
  };
  try {
    for (const name of SUBGRAPHS) databases[name] = await createSubgraphDatabase(name);
    const common = {
      KAFKA_BROKERS: process.env['KAFKA_BROKERS'] as string,
      ROUTER_PUBLIC_JWKS: keys.ROUTER_PUBLIC_JWKS,
    };
    // Each service is recorded as soon as it listens, so a failed start of another still stops it.
    const starts = await Promise.allSettled(
      SUBGRAPHS.map(async (name) => {
        subgraphs[name] = await startService(`subgraphs/${name}/dist/main.js`, {
          ...common,
          DATABASE_URL: databases[name].url,
          ...(name === 'users' ? { ACCESS_TOKEN_SIGNING_KEY: accessKey.privatePkcs8 } : {}),
          ...(name === 'listings'
            ? { KAFKA_CONSUMER_GROUP_SUFFIX: `-test-${randomUUID().slice(0, 8)}` }
            : {}),
        });
      }),
    );
    const failed = starts.find((start): start is PromiseRejectedResult => start.status === 'rejected');
    if (failed) throw failed.reason;
    router = await startService('router/dist/main.js', {
      ...routerEnvironment({ keys, subgraphs }),
      ...routerEnv,
    });
    const routerUrl = router.url;
    await eventually('router ready', async () => (await readyStatus(routerUrl)) === 200);
    return { router, subgraphs, databases, keys, accessKey, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface GraphQLReply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data?: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> & { code?: string } }>;
}

/** One GraphQL request to the router, as a browser or app would send it. */
export async function graphql<T = Record<string, unknown>>(
  routerUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLReply<T>> {
  const response = await fetch(`${routerUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLReply<T>, 'status' | 'headers'>;
  return { status: response.status, headers: response.headers, ...body };
}
