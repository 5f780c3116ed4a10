/**
 * Creates and updates every topic of schema/events/topics.yaml on the cluster at KAFKA_BROKERS, for the
 * environment named by TOPICS_ENVIRONMENT (default: local). Idempotent.
 */
import {
  createKafka,
  createLogger,
  loadTopicCatalog,
  plannedTopics,
  provisionTopics,
} from '@homegraph/platform';
import { resolve } from 'node:path';

async function main(): Promise<void> {
  const logger = createLogger({ service: 'provision-topics', level: process.env['LOG_LEVEL'] ?? 'info' });
  const brokers = process.env['KAFKA_BROKERS'];
  if (!brokers) throw new Error('KAFKA_BROKERS is required (source scripts/local-env.sh)');
  const environment = process.env['TOPICS_ENVIRONMENT'] ?? 'local';
  const catalog = await loadTopicCatalog(resolve(__dirname, '../../schema/events/topics.yaml'));
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'provision-topics', logger });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await provisionTopics(admin, plannedTopics(catalog, environment), logger);
  } finally {
    await admin.disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`provision-topics: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
