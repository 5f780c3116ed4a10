import type { Admin, Kafka, Producer } from 'kafkajs';
import type { PoolClient } from 'pg';
import { Registry } from 'prom-client';
import { ConsumerRuntime } from '../../src/events/consumer';
import { DeadLetters, type DeadLetterEntry } from '../../src/events/deadLetters';
import { HEADERS, type EventEnvelope } from '../../src/events/envelope';
import { PgIdempotencyStore } from '../../src/events/idempotency';
import { OutboxWriter } from '../../src/events/outbox';
import { deadLetterTopic, retryTopic } from '../../src/events/topics';
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
const SYSTEM = { type: 'system', id: 'test' } as const;

class UpstreamRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamRejected';
  }
}

describe('dead letters of a consumer group on a real broker and database', () => {
  let kafka: Kafka;
  let producer: Producer;
  let database: EventDatabase;
  let topic: string;
  let group: string;
  let runtime: ConsumerRuntime<PoolClient>;
  let deadLetters: DeadLetters;
  let writer: OutboxWriter;
  const registry = new Registry();
  const attempts = new Map<string, number[]>();
  // The poison switch: while set, the handler fails every event, as a bug or a broken dependency would.
  let poisoned = true;

  /** Publishes an event as the outbox relay would: envelope as value, identity headers, aggregate key. */
  const emit = async (aggregateId: string, sequence: number, note?: string) => {
    const { envelope } = writer.toEnvelope({
      type: 'test.item_changed',
      aggregate: { id: aggregateId, version: sequence },
      actor: SYSTEM,
      payload: { sequence, ...(note ? { note } : {}) },
    });
    await producer.send({
      topic,
      acks: -1,
      messages: [
        {
          key: aggregateId,
          value: JSON.stringify(envelope),
          headers: {
            [HEADERS.eventId]: envelope.eventId,
            [HEADERS.eventType]: envelope.type,
            [HEADERS.eventVersion]: String(envelope.version),
          },
        },
      ],
    });
    return envelope;
  };

  const effectsOf = async (event: EventEnvelope) =>
    (await database.pool.query('SELECT id FROM effects WHERE event_id = $1', [event.eventId])).rows.length;

  const outcomes = async (outcome: string, onTopic: string) => {
    const metric = await registry.getSingleMetric('kafka_consumer_events_total')?.get();
    return (
      metric?.values.find((value) => value.labels['outcome'] === outcome && value.labels['topic'] === onTopic)
        ?.value ?? 0
    );
  };

  const deadLettersOf = async (event: EventEnvelope, count: number): Promise<DeadLetterEntry[]> => {
    let entries: DeadLetterEntry[] = [];
    await waitFor(`${count} dead letters of ${event.eventId}`, async () => {
      entries = await deadLetters.list({ eventId: event.eventId });
      return entries.length === count;
    });
    return entries;
  };

  beforeAll(async () => {
    kafka = testKafka();
    database = await createEventDatabase();
    topic = `${uniqueName('dlq')}.events.v1`;
    group = uniqueName('dead-letters');
    const contracts = testContracts(topic);
    writer = new OutboxWriter(contracts.catalog, 'tests');
    await provisionTestTopics(kafka, topic, group, RETRY_DELAYS_MS);
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    deadLetters = new DeadLetters(kafka, group, silentLogger);
    runtime = new ConsumerRuntime<PoolClient>({
      kafka,
      group,
      topics: [topic],
      catalog: contracts.catalog,
      idempotency: new PgIdempotencyStore(database.pool),
      retryDelaysMs: RETRY_DELAYS_MS,
      logger: silentLogger,
      registry,
      maxWaitTimeMs: 100,
      handlers: {
        'test.item_changed': async (event, { tx, attempt }) => {
          const { sequence, note } = event.payload as { sequence: number; note?: string };
          attempts.set(event.eventId, [...(attempts.get(event.eventId) ?? []), attempt]);
          await tx.query('INSERT INTO effects (event_id, aggregate_id, sequence) VALUES ($1, $2, $3)', [
            event.eventId,
            event.aggregate.id,
            sequence,
          ]);
          if (poisoned && note === 'upstream') throw new UpstreamRejected('the upstream service said no');
          if (poisoned) throw new Error('cannot handle this item yet');
        },
      },
    });
    await runtime.start();
  });

  afterAll(async () => {
    await runtime?.stop();
    await producer?.disconnect();
    await database?.drop();
  });

  let poison: EventEnvelope;

  it('lists a dead-lettered event with its provenance', async () => {
    poison = await emit('item-1', 1);
    const [entry] = await deadLettersOf(poison, 1);

    expect(attempts.get(poison.eventId)).toEqual([1, 2]);
    expect(await effectsOf(poison)).toBe(0);
    expect(entry).toMatchObject({
      partition: 0,
      key: 'item-1',
      eventId: poison.eventId,
      eventType: 'test.item_changed',
      originalTopic: topic,
      errorClass: 'Error',
      errorMessage: 'cannot handle this item yet',
      attempts: 2,
    });
    expect(entry?.offset).toMatch(/^\d+$/);
    expect(entry?.originalPartition).toEqual(expect.any(Number));
    expect(entry?.originalOffset).toMatch(/^\d+$/);
    const first = Date.parse(entry?.firstFailureAt ?? '');
    const last = Date.parse(entry?.lastFailureAt ?? '');
    expect(first).toBeLessThanOrEqual(last);
    expect(last).toBeLessThanOrEqual(Date.parse(entry?.deadLetteredAt ?? ''));

    expect(await deadLetters.list({ eventType: 'test.other' })).toEqual([]);
    expect(await deadLetters.list({ errorClass: 'UpstreamRejected' })).toEqual([]);
    expect(await deadLetters.list({ errorClass: 'Error', eventType: 'test.item_changed' })).toEqual([entry]);
  });

  it('inspects one dead letter with its whole value and every header', async () => {
    const [entry] = await deadLetters.list({ eventId: poison.eventId });
    const record = await deadLetters.inspect(entry!.partition, entry!.offset);

    expect(record).toMatchObject(entry!);
    expect(JSON.parse(record?.value ?? '')).toEqual(poison);
    expect(record?.headers).toMatchObject({
      [HEADERS.eventId]: poison.eventId,
      [HEADERS.originalTopic]: topic,
      [HEADERS.originalKey]: 'item-1',
      [HEADERS.errorClass]: 'Error',
      [HEADERS.attempt]: '2',
    });
    expect(await deadLetters.inspect(entry!.partition, '1000000')).toBeUndefined();
  });

  it('gives a replayed event the full set of attempts again, and dead-letters it again if it still fails', async () => {
    const [entry] = await deadLetters.list({ eventId: poison.eventId });
    expect(await deadLetters.replay({ partition: entry!.partition, offset: entry!.offset })).toBe(1);

    const [, again] = await deadLettersOf(poison, 2);
    expect(attempts.get(poison.eventId)).toEqual([1, 2, 1, 2]);
    expect(again).toMatchObject({ originalTopic: topic, originalOffset: entry!.originalOffset, attempts: 2 });
    const record = await deadLetters.inspect(again!.partition, again!.offset);
    expect(Date.parse(record?.headers[HEADERS.replayedAt] ?? '')).not.toBeNaN();
  });

  it('replays from the dead letters once and only once', async () => {
    poisoned = false;
    const [entry] = await deadLetters.list({ eventId: poison.eventId });
    expect(await deadLetters.replay({ partition: entry!.partition, offset: entry!.offset })).toBe(1);
    await waitFor('replayed event applied', async () => (await effectsOf(poison)) === 1);

    const duplicates = await outcomes('duplicate', retryTopic(group, 1));
    expect(await deadLetters.replay({ partition: entry!.partition, offset: entry!.offset })).toBe(1);
    await waitFor(
      'second replay seen as a duplicate',
      async () => (await outcomes('duplicate', retryTopic(group, 1))) === duplicates + 1,
    );
    expect(await effectsOf(poison)).toBe(1);
    expect(attempts.get(poison.eventId)).toEqual([1, 2, 1, 2, 1]);
    const claims = await database.pool.query(
      'SELECT count(*)::int AS n FROM processed_events WHERE consumer_group = $1 AND event_id = $2',
      [group, poison.eventId],
    );
    expect(claims.rows[0].n).toBe(1);
  });

  it('replays by filter only the dead letters that match', async () => {
    poisoned = true;
    const broken = await emit('item-2', 2);
    const rejected = await emit('item-3', 3, 'upstream');
    await deadLettersOf(broken, 1);
    const [rejection] = await deadLettersOf(rejected, 1);
    expect(rejection?.errorClass).toBe('UpstreamRejected');

    poisoned = false;
    expect(await deadLetters.replay({ filter: { errorClass: 'UpstreamRejected' } })).toBe(1);
    await waitFor('matching event applied', async () => (await effectsOf(rejected)) === 1);
    expect(await effectsOf(broken)).toBe(0);
    expect(attempts.get(broken.eventId)).toEqual([1, 2]);
  });

  it('purges every dead letter', async () => {
    // The poison event twice, then the two of the filter test.
    expect(await deadLetters.purgeAll()).toBe(4);
    expect(await deadLetters.list()).toEqual([]);
    expect(await deadLetters.purgeAll()).toBe(0);
  });
});

describe('dead letters on a topic with several partitions', () => {
  let kafka: Kafka;
  let admin: Admin;
  let group: string;
  let deadLetters: DeadLetters;

  const record = (partition: number, eventId: string, errorClass: string) => ({
    partition,
    key: `key-${eventId}`,
    value: JSON.stringify({ eventId, type: 'test.item_changed' }),
    headers: { [HEADERS.errorClass]: errorClass, [HEADERS.attempt]: '1' },
  });

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    group = uniqueName('multi');
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: deadLetterTopic(group), numPartitions: 3, replicationFactor: 1 }],
    });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({
      topic: deadLetterTopic(group),
      acks: -1,
      messages: [
        record(0, 'a', 'Error'),
        record(0, 'b', 'EventContractError'),
        record(2, 'c', 'Error'),
        { partition: 2, key: 'key-d', value: '{not json', headers: { [HEADERS.errorClass]: 'SyntaxError' } },
        record(2, 'e', 'Error'),
      ],
    });
    await producer.disconnect();
    deadLetters = new DeadLetters(kafka, group, silentLogger);
  });

  afterAll(async () => {
    await admin?.deleteTopics({ topics: [deadLetterTopic(group)] });
    await admin?.disconnect();
  });

  const positions = (entries: DeadLetterEntry[]) =>
    entries.map((entry) => `${entry.partition}@${entry.offset}`);

  it('reads every partition to its end, in partition and offset order', async () => {
    const entries = await deadLetters.list();
    expect(positions(entries)).toEqual(['0@0', '0@1', '2@0', '2@1', '2@2']);
    expect(entries.map((entry) => entry.eventId)).toEqual(['a', 'b', 'c', undefined, 'e']);
    expect(entries[3]).toMatchObject({ key: 'key-d', errorClass: 'SyntaxError', eventType: undefined });
  });

  it('filters by partition, offset range and error class', async () => {
    expect(positions(await deadLetters.list({ partition: 2, fromOffset: '1' }))).toEqual(['2@1', '2@2']);
    expect(positions(await deadLetters.list({ fromOffset: '1', toOffset: '1' }))).toEqual(['0@1', '2@1']);
    expect(positions(await deadLetters.list({ errorClass: 'Error' }))).toEqual(['0@0', '2@0', '2@2']);
    expect(await deadLetters.list({ partition: 1 })).toEqual([]);
  });

  it('leaves no reader consumer group behind', async () => {
    await deadLetters.list();
    const { groups } = await admin.listGroups();
    expect(groups.filter(({ groupId }) => groupId.startsWith(`${group}.dlq-reader`))).toEqual([]);
  });

  it('purges a prefix of one partition, and refuses offsets past its end', async () => {
    expect(await deadLetters.purgeUpTo(2, '1')).toBe(2);
    expect(positions(await deadLetters.list())).toEqual(['0@0', '0@1', '2@2']);
    expect(await deadLetters.purgeUpTo(2, '0')).toBe(0);
    await expect(deadLetters.purgeUpTo(2, '3')).rejects.toThrow(RangeError);
    await expect(deadLetters.purgeUpTo(5, '0')).rejects.toThrow(/no partition 5/);

    expect(await deadLetters.purgeAll()).toBe(3);
    expect(await deadLetters.list()).toEqual([]);
  });

  it('names the missing topic when the group has no dead letters topic', async () => {
    await expect(new DeadLetters(kafka, uniqueName('absent'), silentLogger).list()).rejects.toThrow(
      /does not exist/,
    );
  });
});
