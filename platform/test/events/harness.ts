import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import pino from 'pino';
import { z } from 'zod';
import { defineEvent, EventCatalog } from '../../src/events/contracts';
import { createTestDatabase } from '../../../test/support/databases';
import { EVENT_TABLES_SQL } from '../../src/events/tables';
import { plannedTopics, provisionTopics, type TopicCatalog } from '../../src/events/topics';

/** Shared pieces of the event-runtime tests and benchmarks: unique names, real servers, test contracts. */
export const silentLogger = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

export const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: integration tests run under test/support/globalSetup.ts`);
  return value;
}

export function testKafka(brokers = requireEnv('KAFKA_BROKERS'), clientId = 'event-tests'): Kafka {
  return new Kafka({
    brokers: brokers.split(','),
    clientId,
    logLevel: logLevel.NOTHING,
    retry: { retries: 8 },
  });
}

/** A contract set on a topic of its own, so parallel test files never share records. */
export function testContracts(topic: string) {
  const itemChanged = defineEvent({
    type: 'test.item_changed',
    version: 1,
    topic,
    aggregateType: 'Item',
    description: 'An item of a test changed',
    payload: z.object({ sequence: z.number().int().nonnegative(), note: z.string().optional() }),
  });
  return { itemChanged, catalog: new EventCatalog([itemChanged]) };
}

export interface EventDatabase {
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** A fresh database with the event tables and an `effects` table handlers write to. */
export async function createEventDatabase(): Promise<EventDatabase> {
  const database = await createTestDatabase('hg_events');
  const pool = new Pool({ connectionString: database.url, max: 20 });
  await pool.query(EVENT_TABLES_SQL);
  await pool.query(`CREATE TABLE effects (
    id BIGSERIAL PRIMARY KEY, event_id UUID NOT NULL, aggregate_id TEXT NOT NULL, sequence INT NOT NULL,
    handled_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())`);
  return {
    url: database.url,
    pool,
    drop: async () => {
      await pool.end();
      await database.drop();
    },
  };
}

/** Provisions the topic, retry topics and DLQ of one test through the real catalog code. */
export async function provisionTestTopics(
  kafka: Kafka,
  topic: string,
  group: string,
  retryDelaysMs: number[],
  partitions = 3,
): Promise<void> {
  const catalog: TopicCatalog = {
    environments: { test: { replicationFactor: 1, minInsyncReplicas: 1 } },
    topics: { [topic]: { description: 'test', partitions, retentionMs: 3_600_000, cleanupPolicy: 'delete' } },
    consumerGroups: {
      [group]: {
        description: 'test',
        consumes: [topic],
        retryDelaysMs,
        retryPartitions: partitions,
        deadLetterRetentionMs: 3_600_000,
      },
    },
  };
  const admin = kafka.admin();
  await admin.connect();
  try {
    await provisionTopics(admin, plannedTopics(catalog, 'test'), silentLogger);
  } finally {
    await admin.disconnect();
  }
}

import { eventually as waitFor } from '../../../test/support/eventually';

export { waitFor };

export interface RecordedMessage {
  offset: string;
  key: string | undefined;
  value: string | undefined;
  headers: Record<string, string>;
}

/** Reads a topic from the beginning into an array, with a throwaway group. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  until: (messages: RecordedMessage[]) => boolean,
) {
  const messages: RecordedMessage[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      messages.push({
        offset: message.offset,
        key: message.key?.toString(),
        value: message.value?.toString(),
        headers: Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([key, value]) => [key, String(value)]),
        ),
      });
    },
  });
  try {
    await waitFor(`records on ${topic}`, async () => until(messages));
  } finally {
    await consumer.disconnect();
  }
  return messages;
}
