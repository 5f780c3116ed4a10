/** Seeds demo data into every subgraph's database; safe to run again. */
import { createLogger } from '@homegraph/platform';
import { seedDemoListings } from '@homegraph/subgraph-listings/dist/data/demoListings';
import { createPrismaClient } from '@homegraph/subgraph-listings/dist/data/prisma';

async function main(): Promise<void> {
  const logger = createLogger({ service: 'seed', level: process.env['LOG_LEVEL'] ?? 'info' });
  const databaseUrl = process.env['LISTINGS_DATABASE_URL'];
  if (!databaseUrl) throw new Error('LISTINGS_DATABASE_URL is required (source scripts/local-env.sh)');
  const prisma = createPrismaClient(databaseUrl);
  try {
    logger.info({ subgraph: 'listings', listings: await seedDemoListings(prisma) }, 'seeded');
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`seed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
