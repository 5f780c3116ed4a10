import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import {
  createErrorFormatter,
  createGraphQLRoute,
  createHttpServer,
  createKafka,
  createServiceKit,
  internalTokenAuthenticator,
  kafkaReadiness,
  loadConfig,
  postgresReadiness,
  runMain,
} from '@homegraph/platform';
import type { ListingsContext } from './context';
import { ListingRepository } from './data/listingRepository';
import { createPrismaClient } from './data/prisma';
import { environmentSchema } from './environment';
import { buildListingsSchema } from './schema';

async function main(): Promise<void> {
  const env = loadConfig(environmentSchema);
  const { logger, metrics, shutdown } = createServiceKit('listings', env);

  const prisma = createPrismaClient(env.DATABASE_URL);
  shutdown.register('postgres', () => prisma.$disconnect());
  const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: 'listings', logger });
  const kafkaCheck = kafkaReadiness(kafka);
  shutdown.register('kafka', () => kafkaCheck.close());

  const apollo = new ApolloServer<ListingsContext>({
    schema: await buildListingsSchema(),
    formatError: createErrorFormatter(logger),
    introspection: env.NODE_ENV !== 'production',
    plugins: [ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();
  shutdown.register('apollo', () => apollo.stop());

  const listings = new ListingRepository(prisma);
  const authenticate = internalTokenAuthenticator({
    jwks: env.ROUTER_PUBLIC_JWKS,
    issuer: env.ROUTER_TOKEN_ISSUER,
    audience: 'listings',
  });
  const http = createHttpServer({
    logger,
    metrics,
    readiness: [postgresReadiness(prisma), kafkaCheck],
    routes: {
      '/graphql': createGraphQLRoute({
        apollo,
        context: async (req) => ({ listings, caller: await authenticate(req) }),
      }),
    },
  });
  shutdown.register('http', () => http.close());
  const address = await http.listen(env.PORT, env.HOST);
  logger.info({ port: address.port, host: address.address }, 'listening');
}

runMain('listings', main);
