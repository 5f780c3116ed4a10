import {
  createIdempotentProducer,
  createKafka,
  createServiceKit,
  kafkaReadiness,
  loadConfig,
  OutboxRelay,
  OutboxWriter,
  postgresReadiness,
  runMain,
  serveSubgraph,
} from '@homegraph/platform';
import { eventCatalog } from '@homegraph/schema';
import { Pool } from 'pg';
import { createContext, type OrgsContext } from './context';
import { OrganizationRepository } from './data/organizationRepository';
import { createPrismaClient } from './data/prisma';
import { OrganizationService } from './domain/organizationService';
import { environmentSchema } from './environment';
import { buildOrgsSchema } from './schema';

async function main(): Promise<void> {
  const env = loadConfig(environmentSchema);
  const kit = createServiceKit('orgs', env);

  const prisma = createPrismaClient(env.DATABASE_URL);
  kit.shutdown.register('postgres', () => prisma.$disconnect());
  const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: 'orgs', logger: kit.logger });
  const kafkaCheck = kafkaReadiness(kafka);
  kit.shutdown.register('kafka', () => kafkaCheck.close());

  // The relay holds one session for its advisory lock, so it gets a small pool of its own.
  const relayPool = new Pool({ connectionString: env.DATABASE_URL, max: 2 });
  relayPool.on('error', (error) => kit.logger.warn({ err: error }, 'outbox relay connection error'));
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const relay = new OutboxRelay({
    pool: relayPool,
    producer,
    logger: kit.logger,
    registry: kit.metrics.registry,
    name: 'orgs',
  });
  // Registered before the HTTP server, so it stops after it: events of the last requests still go out.
  kit.shutdown.register('outbox relay', async () => {
    await relay.stop();
    await producer.disconnect();
    await relayPool.end();
  });
  relay.start();

  const organizations = new OrganizationRepository(prisma);
  const service = new OrganizationService(prisma, new OutboxWriter(eventCatalog(), 'orgs'));
  await serveSubgraph<OrgsContext>({
    name: 'orgs',
    kit,
    env,
    schema: await buildOrgsSchema(),
    readiness: [postgresReadiness(prisma), kafkaCheck],
    context: (caller) => createContext(caller, organizations, service),
  });
}

runMain('orgs', main);
