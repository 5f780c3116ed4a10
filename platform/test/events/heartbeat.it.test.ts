import type { PoolClient } from 'pg';
import { Registry } from 'prom-client';
import { ConsumerRuntime, on } from '../../src/events/consumer';
import { PgIdempotencyStore } from '../../src/events/idempotency';
import { OutboxWriter } from '../../src/events/outbox';
import {
  createEventDatabase,
  provisionTestTopics,
  silentLogger,
  testContracts,
  testKafka,
  uniqueName,
  waitFor,
  type EventDatabase,
} from './harness';

const SESSION_TIMEOUT_MS = 6_000;

describe('a handler that runs longer than the session timeout', () => {
  let database: EventDatabase;

  beforeAll(async () => {
    database = await createEventDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('keeps its group membership through heartbeats and is handled once', async () => {
    const kafka = testKafka();
    const topic = `${uniqueName('slow')}.events.v1`;
    const group = uniqueName('slow');
    await provisionTestTopics(kafka, topic, group, [100]);
    const contracts = testContracts(topic);
    const attempts: number[] = [];
    const registry = new Registry();
    const runtime = new ConsumerRuntime<PoolClient>({
      kafka,
      group,
      topics: [topic],
      catalog: contracts.catalog,
      idempotency: new PgIdempotencyStore(database.pool),
      retryDelaysMs: [100],
      logger: silentLogger,
      registry,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      maxWaitTimeMs: 100,
      handlers: {
        ...on(contracts.itemChanged, async (_event, { attempt }) => {
          attempts.push(attempt);
          await new Promise((resolve) => setTimeout(resolve, SESSION_TIMEOUT_MS * 1.5));
        }),
      },
    });
    await runtime.start();
    const { envelope } = new OutboxWriter(contracts.catalog, 'tests').toEnvelope({
      type: 'test.item_changed',
      aggregate: { id: 'slow-1', version: 1 },
      actor: { type: 'system', id: 't' },
      payload: { sequence: 1 },
    });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'slow-1', value: JSON.stringify(envelope) }] });
    await producer.disconnect();
    try {
      await waitFor('slow event recorded as handled', async () => {
        const { rows } = await database.pool.query(
          'SELECT count(*)::int AS n FROM processed_events WHERE consumer_group = $1',
          [group],
        );
        return rows[0].n === 1;
      });
      expect(attempts).toEqual([1]);
      const admin = kafka.admin();
      await admin.connect();
      const [description] = (await admin.describeGroups([group])).groups;
      await admin.disconnect();
      expect(description?.state).toBe('Stable');
      expect(description?.members).toHaveLength(1);
      // Had the member been evicted mid-handler, its uncommitted record would come back as a duplicate.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const outcomes = await registry.getSingleMetricAsString('kafka_consumer_events_total');
      expect(outcomes).toMatch(/outcome="processed"\} 1/);
      expect(outcomes).not.toMatch(/outcome="duplicate"/);
    } finally {
      await runtime.stop();
    }
  });
});
