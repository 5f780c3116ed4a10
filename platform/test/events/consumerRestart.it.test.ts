import { ConfigResourceTypes, type Kafka } from 'kafkajs';
import type { PoolClient } from 'pg';
import { ConsumerRuntime, on } from '../../src/events/consumer';
import { PgIdempotencyStore } from '../../src/events/idempotency';
import { OutboxWriter } from '../../src/events/outbox';
import { retryTopic } from '../../src/events/topics';
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

const RETRY_DELAYS_MS = [100];

/**
 * A crash kafkajs won't recover from by itself, made real: the broker refuses to park a failed record
 * on a retry topic that only takes small records (MESSAGE_TOO_LARGE is not retriable), so the
 * consumer crashes with `restart: false`. Once the topic takes the record, the consumer must be
 * running again without anyone restarting the process.
 */
describe('a consumer that crashed with an error kafkajs does not retry', () => {
  let kafka: Kafka;
  let database: EventDatabase;
  let runtime: ConsumerRuntime<PoolClient>;
  let group: string;
  const attempts: number[] = [];

  const setRetryTopicMaxBytes = async (bytes: number) => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: retryTopic(group, 1),
            configEntries: [{ name: 'max.message.bytes', value: String(bytes) }],
          },
        ],
      });
    } finally {
      await admin.disconnect();
    }
  };

  beforeAll(async () => {
    kafka = testKafka();
    database = await createEventDatabase();
  });

  afterAll(async () => {
    await runtime?.stop();
    await database?.drop();
  });

  it('is restarted by the runtime, reports unready meanwhile, and then handles the record', async () => {
    const topic = `${uniqueName('restart')}.events.v1`;
    group = uniqueName('restart');
    await provisionTestTopics(kafka, topic, group, RETRY_DELAYS_MS, 1);
    await setRetryTopicMaxBytes(1_024);
    const contracts = testContracts(topic);
    runtime = new ConsumerRuntime<PoolClient>({
      kafka,
      group,
      topics: [topic],
      catalog: contracts.catalog,
      idempotency: new PgIdempotencyStore(database.pool),
      retryDelaysMs: RETRY_DELAYS_MS,
      logger: silentLogger,
      maxWaitTimeMs: 100,
      handlers: {
        ...on(contracts.itemChanged, async (event, { tx, attempt }) => {
          attempts.push(attempt);
          if (attempt === 1) throw new Error('first attempt fails, so the record goes to its retry topic');
          await tx.query('INSERT INTO effects (event_id, aggregate_id, sequence) VALUES ($1, $2, $3)', [
            event.eventId,
            event.aggregate.id,
            event.payload.sequence,
          ]);
        }),
      },
    });
    await runtime.start();
    const readiness = runtime.readiness();
    await waitFor('consumer ready', () => readiness.check().then(() => true));

    const { envelope } = new OutboxWriter(contracts.catalog, 'tests').toEnvelope({
      type: 'test.item_changed',
      aggregate: { id: 'item-1', version: 1 },
      actor: { type: 'system', id: 'test' },
      payload: { sequence: 1, note: 'x'.repeat(8_192) },
    });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'item-1', value: JSON.stringify(envelope) }] });
    await producer.disconnect();

    await waitFor('consumer crashed and unready', () =>
      readiness.check().then(
        () => false,
        (error: Error) => error.message.includes('consumer crashed'),
      ),
    );
    await setRetryTopicMaxBytes(1_048_576);

    await waitFor('record handled on its retry', async () => {
      const { rows } = await database.pool.query('SELECT event_id FROM effects WHERE sequence = 1');
      return rows.length === 1;
    });
    await waitFor('consumer ready again', () => readiness.check().then(() => true));
    expect(attempts.at(-1)).toBe(2);
  });
});
