import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { context, propagation } from '@opentelemetry/api';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import {
  createErrorFormatter,
  createGraphQLRoute,
  createHttpServer,
  createRedis,
  createServiceKit,
  RedisRateLimiter,
  redisReadiness,
  loadSigningKey,
  signToken,
  currentContext,
  loadConfig,
  runMain,
  ConfigError,
  type ReadinessCheck,
} from '@homegraph/platform';
import { environmentSchema, subgraphUrlOverrides } from './environment';
import { healthUrl, subgraphEndpoints } from './supergraph';
import { withIpRateLimit } from './rateLimit';
import { createSubgraphFetcher } from './subgraphFetcher';
import { watchSupergraphFile } from './supergraphSource';

async function main(): Promise<void> {
  const env = loadConfig(environmentSchema);
  const overrides = subgraphUrlOverrides();
  const { logger, metrics, shutdown } = createServiceKit('router', env);

  const signingKey = await loadSigningKey(env.ROUTER_SIGNING_KEY).catch(() => {
    throw new ConfigError(['ROUTER_SIGNING_KEY is not a PKCS#8 PEM Ed25519 private key']);
  });
  const redis = createRedis(env.REDIS_URL, logger);
  // Connect now, without waiting: ioredis keeps reconnecting, and /ready says when Redis is missing.
  redis.connect().catch((error: unknown) => logger.warn({ err: error }, 'redis not reachable yet'));
  shutdown.register('redis', () => void redis.disconnect());
  const limiter = new RedisRateLimiter(redis, env.RATE_LIMIT_KEY_PREFIX);
  const subgraphFetcher = createSubgraphFetcher(env.SUBGRAPH_TIMEOUT_MS, logger);
  shutdown.register('subgraph connections', () => subgraphFetcher.close());
  const supergraph = watchSupergraphFile(env.SUPERGRAPH_PATH, env.SUPERGRAPH_POLL_MS, logger);
  const gateway = new ApolloGateway({
    supergraphSdl: supergraph.hook,
    logger: logger.child({ component: 'gateway' }),
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource({
        url: overrides.get(name) ?? url,
        fetcher: subgraphFetcher.fetcher,
        // Every subgraph request carries a token only that subgraph accepts, valid for seconds.
        willSendRequest: async ({ request }) => {
          const requestId = currentContext()?.requestId;
          if (requestId) request.http?.headers.set('x-request-id', requestId);
          const token = await signToken(signingKey, {
            type: 'internal',
            issuer: env.ROUTER_TOKEN_ISSUER,
            audience: name,
            subject: 'anonymous',
            ttlSeconds: env.ROUTER_TOKEN_TTL_SECONDS,
            claims: { roles: [] },
          });
          request.http?.headers.set('authorization', `Bearer ${token}`);
          // Subgraph spans join the router's trace.
          const headers = request.http?.headers;
          if (headers)
            propagation.inject(context.active(), headers, {
              set: (carrier, key, value) => carrier.set(key, value),
            });
        },
      }),
  });

  const development = env.NODE_ENV !== 'production';
  const apollo = new ApolloServer({
    gateway,
    formatError: createErrorFormatter(logger),
    introspection: development,
    plugins: [
      development
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();
  shutdown.register('apollo', () => apollo.stop());

  // The subgraphs of the supergraph served now, so a reload that adds one is checked too.
  const subgraphChecks: ReadinessCheck = {
    name: 'subgraphs',
    check: async () => {
      const failures: string[] = [];
      await Promise.all(
        subgraphEndpoints(supergraph.current(), overrides).map(async ({ name, url }) => {
          const response = await fetch(healthUrl(url), {
            signal: AbortSignal.timeout(env.SUBGRAPH_TIMEOUT_MS),
          }).catch(() => undefined);
          if (!response?.ok)
            failures.push(`${name} ${response ? `answered ${response.status}` : 'unreachable'}`);
        }),
      );
      if (failures.length) throw new Error(failures.sort().join('; '));
    },
  };
  const http = createHttpServer({
    logger,
    metrics,
    readiness: [redisReadiness(redis), subgraphChecks],
    routes: {
      '/graphql': withIpRateLimit(
        createGraphQLRoute({ apollo, context: async () => ({}) }),
        limiter,
        { limit: env.RATE_LIMIT_IP_PER_MINUTE, periodMs: 60_000 },
        logger,
      ),
    },
  });
  shutdown.register('http', () => http.close());
  const address = await http.listen(env.PORT, env.HOST);
  logger.info({ port: address.port, host: address.address }, 'listening');
}

runMain('router', main);
