/**
 * Prototypes of proposed consumer changes, for measuring them next to the real runtime without
 * touching platform code. Not production code: no retries, dead letters, tracing or metrics.
 */
import type { Consumer, Kafka, TopicPartitionOffsetAndMetadata } from 'kafkajs';
import type { Pool, PoolClient, QueryResult } from 'pg';
import {
  envelopeSchema,
  type EventCatalog,
  type EventEnvelope,
  type IdempotencyStore,
} from '@homegraph/platform/dist/events';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * PgIdempotencyStore with BEGIN and the claim sent as one simple-protocol query (one round trip
 * instead of two; the id is inlined, so it must be a UUID, which the envelope schema guarantees).
 */
export class PipelinedPgIdempotencyStore implements IdempotencyStore<PoolClient> {
  constructor(private readonly pool: Pool) {}

  async runOnce(group: string, eventId: string, work: (tx: PoolClient) => Promise<void>): Promise<boolean> {
    if (!UUID.test(eventId)) throw new Error(`not a UUID: ${eventId}`);
    const client = await this.pool.connect();
    try {
      const results = (await client.query(
        `BEGIN; INSERT INTO processed_events (consumer_group, event_id) VALUES (${client.escapeLiteral(group)}, '${eventId}'::uuid) ON CONFLICT DO NOTHING`,
      )) as unknown as QueryResult[];
      if (results[1]?.rowCount === 0) {
        await client.query('ROLLBACK');
        return false;
      }
      await work(client);
      await client.query('COMMIT');
      return true;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

/** Runs the handler with a tx that does nothing: what the runtime costs without a database. */
export const noDbStore: IdempotencyStore<PoolClient> = {
  runOnce: async (_group, _eventId, work) => {
    await work({ query: async () => ({ rowCount: 1, rows: [] }) } as unknown as PoolClient);
    return true;
  },
};

export type BatchHandler<P> = (event: EventEnvelope<P>, tx: PoolClient) => Promise<void>;

export interface BatchTxConsumerOptions<P> {
  kafka: Kafka;
  catalog: EventCatalog;
  pool: Pool;
  topic: string;
  group: string;
  partitions: number;
  /** Records per transaction at most. */
  chunk: number;
  maxWaitTimeMs?: number;
  handler: BatchHandler<P>;
  /** Called after each transaction committed, with the events it applied. */
  onCommitted?: (events: EventEnvelope<P>[]) => void;
}

/**
 * The proposed batch mode of ConsumerRuntime, on plain kafkajs: every record is parsed and validated
 * as the runtime does; then one transaction per chunk of a partition batch claims all ids with one
 * statement and runs the handler for each newly claimed event; offsets are committed after each
 * batch, like the runtime. (The real change would fall back to one transaction per record when a
 * handler throws, so retries and dead letters stay per record: see bench/RESULTS.md.)
 */
export async function startBatchTxConsumer<P>(
  options: BatchTxConsumerOptions<P>,
): Promise<{ consumer: Consumer; joined(): boolean; stop(): Promise<void> }> {
  const { kafka, catalog, pool, topic, group, partitions, chunk, handler, onCommitted } = options;
  const consumer = kafka.consumer({
    groupId: group,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 1000,
  });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: partitions,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      for (let first = 0; first < batch.messages.length; first += chunk) {
        if (!isRunning() || isStale()) break;
        const messages = batch.messages.slice(first, first + chunk);
        const events = messages.map((message) => {
          const envelope = envelopeSchema.parse(JSON.parse(message.value?.toString('utf8') ?? ''));
          return {
            ...envelope,
            payload: catalog.validatePayload(envelope.type, envelope.version, envelope.payload),
          } as EventEnvelope<P>;
        });
        const client = await pool.connect();
        let applied: EventEnvelope<P>[];
        try {
          await client.query('BEGIN');
          const claimed = await client.query<{ event_id: string }>(
            `INSERT INTO processed_events (consumer_group, event_id)
               SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id`,
            [group, events.map((event) => event.eventId)],
          );
          const fresh = new Set(claimed.rows.map((row) => row.event_id));
          applied = events.filter((event) => fresh.has(event.eventId));
          for (const event of applied) await handler(event, client);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          client.release();
        }
        onCommitted?.(applied);
        const last = messages[messages.length - 1];
        if (last) resolveOffset(last.offset);
      }
      const last = batch.messages[batch.messages.length - 1];
      if (last && isRunning() && !isStale())
        await consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
        ]);
      await heartbeat();
    },
  });
  return { consumer, joined: () => joined, stop: () => consumer.disconnect() };
}

/**
 * Proposed change to offset commits, applied from outside: the consumer's `commitOffsets` only records
 * the offsets and returns at once; every `intervalMs` all recorded offsets go out in one OffsetCommit
 * request. (Kafka 4's group coordinator holds each commit for group.coordinator.append.linger.ms,
 * 5 ms by default, and a broker serves one connection's requests one after another, so one commit per
 * partition batch costs the batch ≥ 5 ms, and six at once ~35 ms.)
 */
export function deferCommits(
  consumer: Consumer,
  intervalMs: number,
  onError: (error: unknown) => void,
): { flush(): Promise<void>; stop(): Promise<void> } {
  const commit = consumer.commitOffsets.bind(consumer);
  const pending = new Map<string, TopicPartitionOffsetAndMetadata>();
  let inFlight: Promise<void> = Promise.resolve();
  const flush = () => {
    inFlight = inFlight.then(async () => {
      if (!pending.size) return;
      const offsets = [...pending.values()];
      pending.clear();
      await commit(offsets).catch(onError);
    });
    return inFlight;
  };
  consumer.commitOffsets = async (offsets) => {
    for (const offset of offsets) pending.set(`${offset.topic}|${offset.partition}`, offset);
  };
  const timer = setInterval(() => void flush(), intervalMs);
  return {
    flush,
    stop: async () => {
      clearInterval(timer);
      await flush();
    },
  };
}
