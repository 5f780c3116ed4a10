import {
  createKafka,
  createServiceKit,
  kafkaReadiness,
  loadConfig,
  postgresReadiness,
  runMain,
  serveSubgraph,
} from '@homegraph/platform';
import type { ListingsContext } from './context';
import { ListingRepository } from './data/listingRepository';
import { createPrismaClient } from './data/prisma';
import { environmentSchema } from './environment';
import { buildListingsSchema } from './schema';

async function main(): Promise<void> {
  const env = loadConfig(environmentSchema);
  const kit = createServiceKit('listings', env);

  const prisma = createPrismaClient(env.DATABASE_URL);
  kit.shutdown.register('postgres', () => prisma.$disconnect());
  const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: 'listings', logger: kit.logger });
  const kafkaCheck = kafkaReadiness(kafka);
  kit.shutdown.register('kafka', () => kafkaCheck.close());

  const listings = new ListingRepository(prisma);
  await serveSubgraph<ListingsContext>({
    name: 'listings',
    kit,
    env,
    schema: await buildListingsSchema(),
    readiness: [postgresReadiness(prisma), kafkaCheck],
    context: (caller) => ({ listings, caller }),
  });
}

runMain('listings', main);
