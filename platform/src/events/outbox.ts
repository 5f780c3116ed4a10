import { context, propagation } from '@opentelemetry/api';
import type { Producer } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventCatalog } from './contracts';
import { HEADERS, uuidv7, type Actor, type EventEnvelope } from './envelope';

/**
 * The outbox table every PostgreSQL service that emits events has, in its own database. Services
 * declare the same table in their Prisma schema so their migrations create it.
 */
export const OUTBOX_TABLE = 'outbox_events';
const NOTIFY_CHANNEL = 'outbox_events';

/** Either a Prisma (interactive) transaction client or a pg client inside BEGIN … COMMIT. */
export type SqlExecutor =
  | { $executeRawUnsafe(sql: string, ...values: unknown[]): Promise<number> }
  | { query(sql: string, values?: unknown[]): Promise<unknown> };

async function execute(executor: SqlExecutor, sql: string, values: unknown[]): Promise<void> {
  if ('$executeRawUnsafe' in executor) await executor.$executeRawUnsafe(sql, ...values);
  else await executor.query(sql, values);
}

export interface OutboxRecord {
  envelope: EventEnvelope;
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

export interface NewEvent {
  type: string;
  version?: number;
  aggregate: { type?: string; id: string; version: number };
  actor: Actor;
  payload: unknown;
  eventId?: string;
  occurredAt?: Date;
}

/**
 * Writes events into the outbox inside the caller's transaction, so the state change and its event
 * commit or roll back together. Payloads are validated against their contract first: an invalid
 * event throws and the caller's transaction rolls back.
 */
export class OutboxWriter {
  constructor(
    private readonly catalog: EventCatalog,
    private readonly producerName: string,
  ) {}

  toEnvelope(event: NewEvent): { envelope: EventEnvelope; topic: string } {
    const version = event.version ?? 1;
    const contract = this.catalog.get(event.type, version);
    if (!contract) throw new Error(`no contract for event ${event.type} v${version}`);
    const payload = this.catalog.validatePayload(event.type, version, event.payload);
    return {
      topic: contract.topic,
      envelope: {
        eventId: event.eventId ?? uuidv7(),
        type: event.type,
        version,
        occurredAt: (event.occurredAt ?? new Date()).toISOString(),
        producer: this.producerName,
        aggregate: { type: event.aggregate.type ?? contract.aggregateType, ...event.aggregate },
        actor: event.actor,
        payload,
      },
    };
  }

  /**
   * Validated envelopes with the Kafka records that will carry them: keyed by aggregate id, with the
   * event headers and the W3C trace context of the caller. Both outboxes store exactly these.
   */
  records(...events: NewEvent[]): OutboxRecord[] {
    const traceHeaders: Record<string, string> = {};
    propagation.inject(context.active(), traceHeaders);
    return events.map((event) => {
      const { envelope, topic } = this.toEnvelope(event);
      return {
        envelope,
        topic,
        key: envelope.aggregate.id,
        value: JSON.stringify(envelope),
        headers: {
          ...traceHeaders,
          [HEADERS.eventId]: envelope.eventId,
          [HEADERS.eventType]: envelope.type,
          [HEADERS.eventVersion]: String(envelope.version),
        },
      };
    });
  }

  async publish(tx: SqlExecutor, ...events: NewEvent[]): Promise<EventEnvelope[]> {
    if (!events.length) return [];
    const records = this.records(...events);
    const values: unknown[] = [];
    const rows: string[] = [];
    records.forEach(({ envelope, topic, key, value, headers }, index) => {
      const base = index * 5;
      rows.push(`($${base + 1}::uuid, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5}::jsonb)`);
      values.push(envelope.eventId, topic, key, value, JSON.stringify(headers));
    });
    // One statement: the notification is delivered at commit, never for a rolled-back transaction, and
    // wakes the relay at once. (A data-modifying CTE runs whether or not the query reads it.)
    await execute(
      tx,
      `WITH inserted AS (INSERT INTO ${OUTBOX_TABLE} (event_id, topic, partition_key, value, headers) VALUES ${rows.join(', ')} RETURNING 1)
       SELECT pg_notify('${NOTIFY_CHANNEL}', '')`,
      values,
    );
    return records.map(({ envelope }) => envelope);
  }
}

export interface OutboxRelayOptions {
  pool: Pool;
  producer: Producer;
  logger: Logger;
  registry?: Registry;
  /** Distinguishes relays of different services sharing a metrics registry or a database server. */
  name: string;
  batchSize?: number;
  /** Upper bound on the wait for new rows when no notification arrives. */
  idlePollMs?: number;
  /** How often a standby replica tries to become the active relay. */
  standbyPollMs?: number;
  /** Published rows are kept this long (for inspection), then deleted. */
  retentionMs?: number;
}

interface OutboxRow {
  id: string;
  topic: string;
  partition_key: string;
  value: string;
  headers: Record<string, string>;
}

/** A stable 63-bit advisory lock key per relay name. */
function lockKey(name: string): string {
  let hash = 0n;
  for (const char of `outbox-relay:${name}`)
    hash = (hash * 31n + BigInt(char.charCodeAt(0))) & 0x7fffffffffffffffn;
  return hash.toString();
}

/**
 * Publishes outbox rows to Kafka in id order (so in commit order per aggregate) with an idempotent
 * producer and acks=all, then marks them published. One relay per database is active at a time,
 * chosen by a PostgreSQL advisory lock; other replicas stand by and take over when the active one's
 * session ends. While Kafka is unreachable rows stay in the table and the same batch is retried.
 * A crash between send and mark republishes that batch: delivery is at-least-once, and consumers
 * deduplicate by eventId.
 */
export class OutboxRelay {
  private running = false;
  private producerConnected = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private active = false;
  private readonly batchSize: number;
  private readonly idlePollMs: number;
  private readonly standbyPollMs: number;
  private readonly retentionMs: number;
  private readonly published: Counter<'relay'> | undefined;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 1000;
    this.idlePollMs = options.idlePollMs ?? 1000;
    this.standbyPollMs = options.standbyPollMs ?? 2000;
    this.retentionMs = options.retentionMs ?? 3_600_000;
    if (options.registry) this.published = this.registerMetrics(options.registry);
  }

  /** True while this replica holds the lock and publishes. */
  get isActive(): boolean {
    return this.active;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private registerMetrics(registry: Registry): Counter<'relay'> {
    const { pool, name } = this.options;
    // Both gauges come from one query per scrape: the backlog gauge (registered, so collected, first)
    // reads the table and sets the age gauge too.
    const stats = async () => {
      const { rows } = await pool.query<{ backlog: string; oldest: number | null }>(
        `SELECT count(*) AS backlog, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS oldest
           FROM ${OUTBOX_TABLE} WHERE published_at IS NULL`,
      );
      return { backlog: Number(rows[0]?.backlog ?? 0), oldest: rows[0]?.oldest ?? 0 };
    };
    const oldest = new Gauge({
      name: 'outbox_oldest_unpublished_age_seconds',
      help: 'Age of the oldest outbox event not yet published',
      labelNames: ['relay'],
      registers: [],
    });
    new Gauge({
      name: 'outbox_backlog_events',
      help: 'Outbox events not yet published to Kafka',
      labelNames: ['relay'],
      registers: [registry],
      async collect() {
        const current = await stats();
        this.set({ relay: name }, current.backlog);
        oldest.set({ relay: name }, current.oldest);
      },
    });
    registry.registerMetric(oldest);
    return new Counter({
      name: 'outbox_published_events_total',
      help: 'Outbox events published to Kafka',
      labelNames: ['relay'],
      registers: [registry],
    });
  }

  private async run(): Promise<void> {
    const { logger } = this.options;
    while (this.running) {
      let client: PoolClient | undefined;
      try {
        client = await this.options.pool.connect();
        const { rows } = await client.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_lock($1::bigint) AS locked',
          [lockKey(this.options.name)],
        );
        if (!rows[0]?.locked) {
          client.release();
          client = undefined;
          await this.pause(this.standbyPollMs);
          continue;
        }
        this.active = true;
        logger.info({ relay: this.options.name }, 'outbox relay active');
        await this.lead(client);
      } catch (error) {
        logger.error({ err: error, relay: this.options.name }, 'outbox relay lost its database session');
        await this.pause(1000);
      } finally {
        this.active = false;
        if (client) {
          await client.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
          client.release(true);
        }
      }
    }
  }

  /** Publishes while holding the lock on `client`; returns when stopping, throws when the session breaks. */
  private async lead(client: PoolClient): Promise<void> {
    const { logger } = this.options;
    let notified = false;
    const onNotification = () => {
      notified = true;
      this.wake?.();
    };
    // A checked-out client that loses its server emits 'error', which would crash the process unheard;
    // the next query fails too, and the run loop takes a new session.
    const onError = (error: Error) =>
      logger.warn({ err: error, relay: this.options.name }, 'outbox relay session broke');
    client.on('notification', onNotification);
    client.on('error', onError);
    await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    // Without statistics (a new table, or one that filled up during an outage) the planner may read the
    // whole backlog for every batch instead of walking the partial index.
    await client.query(`ANALYZE ${OUTBOX_TABLE}`);
    let failures = 0;
    let lastCleanup = 0;
    try {
      while (this.running) {
        notified = false;
        const { rows } = await client.query<OutboxRow>(
          `SELECT id, topic, partition_key, value, headers FROM ${OUTBOX_TABLE}
            WHERE published_at IS NULL ORDER BY id LIMIT $1`,
          [this.batchSize],
        );
        if (rows.length) {
          try {
            await this.send(rows);
            failures = 0;
          } catch (error) {
            failures += 1;
            const delay = Math.min(5000, 100 * 2 ** Math.min(failures, 6));
            logger.warn(
              { err: error, failures, retryInMs: delay, batch: rows.length },
              'outbox publish failed; will retry',
            );
            await this.pause(delay);
            continue;
          }
          await client.query(`UPDATE ${OUTBOX_TABLE} SET published_at = now() WHERE id = ANY($1::bigint[])`, [
            rows.map((row) => row.id),
          ]);
          this.published?.inc({ relay: this.options.name }, rows.length);
          if (rows.length === this.batchSize) continue;
        }
        if (Date.now() - lastCleanup > 60_000) {
          lastCleanup = Date.now();
          await client.query(
            `DELETE FROM ${OUTBOX_TABLE} WHERE id IN (SELECT id FROM ${OUTBOX_TABLE}
              WHERE published_at < now() - make_interval(secs => $1) LIMIT 10000)`,
            [this.retentionMs / 1000],
          );
        }
        if (!notified) await this.pause(this.idlePollMs);
      }
    } finally {
      client.off('notification', onNotification);
      client.off('error', onError);
    }
  }

  private async send(rows: OutboxRow[]): Promise<void> {
    // Connecting here, inside the retry loop, lets a service start while Kafka is down.
    if (!this.producerConnected) {
      await this.options.producer.connect();
      this.producerConnected = true;
    }
    const byTopic = new Map<string, OutboxRow[]>();
    for (const row of rows) {
      const topicRows = byTopic.get(row.topic);
      if (topicRows) topicRows.push(row);
      else byTopic.set(row.topic, [row]);
    }
    await this.options.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, topicRows]) => ({
        topic,
        messages: topicRows.map((row) => ({
          key: row.partition_key,
          value: row.value,
          headers: row.headers,
        })),
      })),
    });
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
