import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { Supergraph } from '@apollo/federation-internals';
import { context, propagation } from '@opentelemetry/api';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import {
  createErrorFormatter,
  createGraphQLRoute,
  createHttpServer,
  createRedis,
  createKafka,
  createServiceKit,
  RedisRateLimiter,
  redisReadiness,
  loadSigningKey,
  currentContext,
  loadConfig,
  runMain,
  ConfigError,
  type ReadinessCheck,
} from '@homegraph/platform';
import type { GraphQLSchema } from 'graphql';
import { readFile } from 'node:fs/promises';
import { createAccessTokenVerifier } from './accessTokens';
import { redisPersistedQueryCache } from './apqCache';
import { callerOf, withCallerGate, type RouterContext } from './caller';
import { trustedProxySet } from './clientAddress';
import { withCors } from './cors';
import { environmentSchema, subgraphUrlOverrides } from './environment';
import { createInternalTokenSigner } from './internalTokens';
import { createRouterMetrics, instrumentedFetcher, operationMetricsPlugin } from './metrics';
import { loadPartners } from './partners';
import { perMinute, retryAfterSeconds } from './rateLimit';
import { requestGuardPlugin } from './requestGuard';
import { healthUrl, subgraphEndpoints } from './supergraph';
import { createSubgraphFetcher } from './subgraphFetcher';
import { watchSupergraphFile } from './supergraphSource';
import { readBindings } from './subscriptions/bindings';
import { createEventFeed, type EventFeed } from './subscriptions/feed';
import { createKafkaReplaySource, type ReplaySource } from './subscriptions/resume';
import { createSubscriptionServer, type ServedSchema, type SubscriptionServer } from './subscriptions/server';

const topicsOf = (served: ServedSchema | undefined) => [
  ...new Set([...(served?.bindings.values() ?? [])].map((binding) => binding.topic)),
];

/** Where the embedded Apollo Sandbox (development only) sends its requests from. */
const SANDBOX_ORIGIN = 'https://sandbox.embed.apollographql.com';

async function main(): Promise<void> {
  const env = loadConfig(environmentSchema);
  const overrides = subgraphUrlOverrides();
  const { logger, metrics, shutdown } = createServiceKit('router', env);
  const development = env.NODE_ENV !== 'production';

  const signingKey = await loadSigningKey(env.ROUTER_SIGNING_KEY).catch(() => {
    throw new ConfigError(['ROUTER_SIGNING_KEY is not a PKCS#8 PEM Ed25519 private key']);
  });
  // Partner safelists are checked against the supergraph served at start: a broken one stops the boot.
  const apiSchema = Supergraph.build(await readFile(env.SUPERGRAPH_PATH, 'utf8'))
    .apiSchema()
    .toGraphQLJSSchema();
  const partners = await loadPartners(env.PARTNER_CLIENTS, env.PERSISTED_OPERATIONS_DIR, apiSchema);

  const redis = createRedis(env.REDIS_URL, logger);
  // Connect now, without waiting: ioredis keeps reconnecting, and /ready says when Redis is missing.
  redis.connect().catch((error: unknown) => logger.warn({ err: error }, 'redis not reachable yet'));
  shutdown.register('redis', () => void redis.disconnect());
  const limiter = new RedisRateLimiter(redis, env.RATE_LIMIT_KEY_PREFIX);
  const routerMetrics = createRouterMetrics(metrics);
  const signInternalToken = createInternalTokenSigner(signingKey, {
    issuer: env.ROUTER_TOKEN_ISSUER,
    ttlSeconds: env.ROUTER_TOKEN_TTL_SECONDS,
  });
  const subgraphFetcher = createSubgraphFetcher(
    {
      timeoutMs: env.SUBGRAPH_TIMEOUT_MS,
      dedupeInflight: env.SUBGRAPH_DEDUPE_INFLIGHT,
      registry: metrics.registry,
    },
    logger,
  );
  shutdown.register('subgraph connections', () => subgraphFetcher.close());
  const supergraph = watchSupergraphFile(env.SUPERGRAPH_PATH, env.SUPERGRAPH_POLL_MS, logger);
  const gateway = new ApolloGateway({
    supergraphSdl: supergraph.hook,
    logger: logger.child({ component: 'gateway' }),
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource<RouterContext>({
        url: overrides.get(name) ?? url,
        fetcher: instrumentedFetcher(subgraphFetcher.fetcher, name, routerMetrics),
        // Every subgraph request carries a token only that subgraph accepts, valid for seconds, saying
        // which user (if any) the router verified.
        willSendRequest: async ({ request, context: requestContext }) => {
          const requestId = currentContext()?.requestId;
          if (requestId) request.http?.headers.set('x-request-id', requestId);
          const user = (requestContext as Partial<RouterContext>).caller?.user;
          const token = await signInternalToken(
            name,
            user ? { subject: user.id, roles: user.roles } : { subject: 'anonymous', roles: [] },
          );
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

  // Subscriptions are planned against the API schema and the bindings of one and the same supergraph.
  let served: ServedSchema | undefined;
  // Both exist only once the gateway has loaded its first supergraph (below); later loads reach them.
  let feed: EventFeed | undefined;
  const live: { subscriptions?: SubscriptionServer } = {};
  gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
    try {
      served = { apiSchema: apiSchema as GraphQLSchema, bindings: readBindings(coreSupergraphSdl) };
    } catch (error) {
      // The previous bindings go on, checked against the new API schema like any reload.
      logger.error({ err: error }, 'subscription bindings refused; keeping the previous ones');
      if (served) served = { ...served, apiSchema: apiSchema as GraphQLSchema };
    }
    if (!served) return;
    feed?.addTopics(topicsOf(served));
    live.subscriptions?.reload(served);
  });

  const limits = {
    depth: env.MAX_QUERY_DEPTH,
    aliases: env.MAX_QUERY_ALIASES,
    cost: env.MAX_QUERY_COST,
    tokens: env.MAX_QUERY_TOKENS,
    directives: env.MAX_QUERY_DIRECTIVES,
  };
  const apollo = new ApolloServer<RouterContext>({
    gateway,
    formatError: createErrorFormatter(logger),
    introspection: development,
    // Refuses GETs and simple-content-type POSTs without a preflight-forcing header.
    csrfPrevention: true,
    persistedQueries: {
      cache: redisPersistedQueryCache(redis, env.APQ_KEY_PREFIX, env.APQ_TTL_SECONDS, logger),
      ttl: env.APQ_TTL_SECONDS,
    },
    // The guard refuses over-long operations before parsing; this bounds the parse of an APQ entry too.
    parseOptions: { maxTokens: env.MAX_QUERY_TOKENS },
    plugins: [
      requestGuardPlugin(limits, logger),
      operationMetricsPlugin(routerMetrics),
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
  const verifyAccessToken = createAccessTokenVerifier({
    jwksUrl: env.USERS_JWKS_URL,
    issuer: env.ACCESS_TOKEN_ISSUER,
    audience: env.ACCESS_TOKEN_AUDIENCE,
    cooldownMs: env.USERS_JWKS_COOLDOWN_MS,
    maxAgeMs: env.USERS_JWKS_MAX_AGE_MS,
  });
  const trustedProxies = trustedProxySet(env.TRUSTED_PROXIES);
  const graphql = withCallerGate(
    createGraphQLRoute<RouterContext>({ apollo, context: async (req) => ({ caller: callerOf(req) }) }),
    {
      limiter,
      limitsPerMinute: {
        ip: env.RATE_LIMIT_IP_PER_MINUTE,
        user: env.RATE_LIMIT_USER_PER_MINUTE,
        partner: env.RATE_LIMIT_PARTNER_PER_MINUTE,
      },
      trustedProxies,
      verifyAccessToken,
      partners,
      logger,
    },
  );
  const eventsEnabled = env.KAFKA_BROKERS.length > 0;
  const topics = topicsOf(served);
  const readiness: ReadinessCheck[] = [redisReadiness(redis), subgraphChecks];
  let replay: ReplaySource | undefined;
  if (eventsEnabled) {
    const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: 'router', logger });
    replay = createKafkaReplaySource({ kafka, groupPrefix: env.SUBSCRIPTION_CONSUMER_GROUP_PREFIX, logger });
    feed = createEventFeed({
      kafka,
      topics,
      groupPrefix: env.SUBSCRIPTION_CONSUMER_GROUP_PREFIX,
      logger,
      // Read only once started, below, after the subscription server exists.
      onEvent: (topic, envelope) => started.dispatch(topic, envelope),
    });
    readiness.push(feed.readiness());
  }
  const http = createHttpServer({
    logger,
    metrics,
    readiness,
    routes: {
      '/graphql': withCors(graphql, development ? [...env.CORS_ORIGINS, SANDBOX_ORIGIN] : env.CORS_ORIGINS),
    },
  });
  shutdown.register('http', () => http.close());
  const started = createSubscriptionServer({
    server: http.server,
    path: '/graphql',
    verifyAccessToken,
    trustedProxies,
    schema: () => served,
    // The same pipeline as an HTTP query (limits, plugins, formatError) and the same caller, so the
    // same internal token and the same authorization in every subgraph.
    execute: async (query, variables, caller) => {
      const response = await apollo.executeOperation(
        { query: query.text, operationName: query.operationName, variables },
        { contextValue: { caller, subscriptionEvent: true } },
      );
      if (response.body.kind !== 'single') throw new Error('incremental delivery is not supported here');
      return response.body.singleResult;
    },
    limits,
    maxBufferedBytes: env.SUBSCRIPTION_MAX_BUFFERED_BYTES,
    eventsEnabled,
    logger: logger.child({ component: 'subscriptions' }),
    registry: metrics.registry,
    keepAliveMs: env.SUBSCRIPTION_KEEPALIVE_MS,
    replay,
    resumeMaxEvents: env.SUBSCRIPTION_RESUME_MAX_EVENTS,
    // A connection and each subscribe count as requests against the HTTP API's limits.
    admit: (key) =>
      retryAfterSeconds(
        limiter,
        key,
        perMinute(key.startsWith('user:') ? env.RATE_LIMIT_USER_PER_MINUTE : env.RATE_LIMIT_IP_PER_MINUTE),
        logger,
      ),
    maxSubscriptionsPerSocket: env.SUBSCRIPTION_MAX_PER_SOCKET,
  });
  // Registered after http, so it runs before it: open sockets would hold the HTTP server's close.
  live.subscriptions = started;
  shutdown.register('subscriptions', () => started.close());
  if (feed) {
    const reading = feed;
    shutdown.register('subscription events', () => reading.stop());
    void reading.start();
  }
  const address = await http.listen(env.PORT, env.HOST);
  logger.info({ port: address.port, host: address.address }, 'listening');
}

runMain('router', main);
