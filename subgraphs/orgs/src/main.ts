import {
  connectServiceKafka,
  createServiceKit,
  loadConfig,
  OutboxWriter,
  postgresReadiness,
  runMain,
  serveSubgraph,
  startServiceRelay,
} from '@homegraph/platform';
import { eventCatalog } from '@homegraph/schema';
import { createContext, type OrgsContext } from './context';
import { OrganizationRepository } from './data/organizationRepository';
import { createPrismaClient } from './data/prisma';
import { OrganizationService } from './domain/organizationService';
import { environmentSchema } from './environment';
import { buildOrgsSchema } from './schema';

async function main(): Promise<void> {
  const env = loadConfig(environmentSchema);
  const kit = createServiceKit('orgs', env);

  const prisma = createPrismaClient(env.DATABASE_URL, kit.metrics.registry);
  kit.shutdown.register('postgres', () => prisma.$disconnect());
  const { kafka, readiness: kafkaCheck } = connectServiceKafka(kit, 'orgs', env.KAFKA_BROKERS);

  await startServiceRelay({ name: 'orgs', databaseUrl: env.DATABASE_URL, kafka, kit });

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
