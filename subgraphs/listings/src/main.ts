import {
  connectServiceKafka,
  createServiceKit,
  loadConfig,
  OutboxWriter,
  postgresReadiness,
  PrismaIdempotencyStore,
  runMain,
  serveSubgraph,
  startServiceConsumer,
  startServiceRelay,
} from '@homegraph/platform';
import { eventCatalog, TOPIC_CATALOG_PATH } from '@homegraph/schema';
import type { ListingsContext } from './context';
import { ListingReader } from './data/listingRepository';
import { createPrismaClient } from './data/prisma';
import { ListingService } from './domain/listingService';
import { environmentSchema } from './environment';
import { listingsEventHandlers } from './events/handlers';
import { buildListingsSchema } from './schema';

async function main(): Promise<void> {
  const env = loadConfig(environmentSchema);
  const kit = createServiceKit('listings', env);

  const prisma = createPrismaClient(env.DATABASE_URL, kit.metrics.registry);
  kit.shutdown.register('postgres', () => prisma.$disconnect());
  const { kafka, readiness: kafkaCheck } = connectServiceKafka(kit, 'listings', env.KAFKA_BROKERS);

  const events = eventCatalog();
  const listings = new ListingService(prisma, new OutboxWriter(events, 'listings'));
  await startServiceRelay({ name: 'listings', databaseUrl: env.DATABASE_URL, kafka, kit });
  const consumer = await startServiceConsumer({
    group: 'listings',
    catalogPath: TOPIC_CATALOG_PATH,
    events,
    kafka,
    kit,
    idempotency: new PrismaIdempotencyStore(prisma),
    handlers: listingsEventHandlers(listings),
    groupIdSuffix: env.KAFKA_CONSUMER_GROUP_SUFFIX,
  });

  await serveSubgraph<ListingsContext>({
    name: 'listings',
    kit,
    env,
    schema: await buildListingsSchema(),
    readiness: [postgresReadiness(prisma), kafkaCheck, consumer.readiness()],
    context: (caller) => ({ listings, caller, reader: new ListingReader(prisma, caller) }),
  });
}

runMain('listings', main);
