import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { context, propagation } from '@opentelemetry/api';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import {
  createErrorFormatter,
  createGraphQLRoute,
  createHttpServer,
  createServiceKit,
  currentContext,
  loadConfig,
  runMain,
  type ReadinessCheck,
} from '@homegraph/platform';
import { readFile } from 'node:fs/promises';
import { environmentSchema, subgraphUrlOverrides } from './environment';
import { healthUrl, subgraphEndpoints } from './supergraph';

async function main(): Promise<void> {
  const env = loadConfig(environmentSchema);
  const overrides = subgraphUrlOverrides();
  const { logger, metrics, shutdown } = createServiceKit('router', env);

  const supergraphSdl = await readFile(env.SUPERGRAPH_PATH, 'utf8');
  const endpoints = subgraphEndpoints(supergraphSdl, overrides);
  const gateway = new ApolloGateway({
    supergraphSdl,
    logger: logger.child({ component: 'gateway' }),
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource({
        url: overrides.get(name) ?? url,
        willSendRequest: ({ request }) => {
          const requestId = currentContext()?.requestId;
          if (requestId) request.http?.headers.set('x-request-id', requestId);
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

  const subgraphChecks: ReadinessCheck[] = endpoints.map(({ name, url }) => ({
    name: `subgraph:${name}`,
    check: async () => {
      const response = await fetch(healthUrl(url), { signal: AbortSignal.timeout(env.SUBGRAPH_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`answered ${response.status}`);
    },
  }));
  const http = createHttpServer({
    logger,
    metrics,
    readiness: subgraphChecks,
    routes: { '/graphql': createGraphQLRoute({ apollo, context: async () => ({}) }) },
  });
  shutdown.register('http', () => http.close());
  const address = await http.listen(env.PORT, env.HOST);
  logger.info({ port: address.port, host: address.address, subgraphs: endpoints }, 'listening');
}

runMain('router', main);
