import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Admin, Consumer, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ReadinessCheck } from '../health';
import { LATENCY_BUCKETS } from '../metrics';
import { EventContractError, type EventCatalog, type EventContract, type PayloadOf } from './contracts';
import { envelopeSchema, HEADERS, type EventEnvelope } from './envelope';
import type { IdempotencyStore } from './idempotency';
import { deadLetterTopic, retryTopic } from './topics';

/** Thrown by a handler when retrying can't help: the event goes straight to the dead letters. */
export class DeadLetterError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeadLetterError';
  }
}

export interface HandlerContext<Tx> {
  /** The transaction of the idempotency store: write the handler's effects with it. */
  tx: Tx;
  logger: Logger;
  /** 1 on first delivery, then 2, 3, … on retries. */
  attempt: number;
}

export type EventHandler<TPayload, Tx> = (
  event: EventEnvelope<TPayload>,
  context: HandlerContext<Tx>,
) => Promise<void>;

/**
 * Binds a handler to a contract, typing the event's payload by that contract:
 * `handlers: { ...on(moderationDecisionMade, async (event, { tx }) => …) }`.
 */
export function on<C extends EventContract, Tx>(
  contract: C,
  handler: EventHandler<PayloadOf<C>, Tx>,
): Record<string, EventHandler<PayloadOf<C>, Tx>> {
  return { [contract.type]: handler };
}

export interface ConsumerRuntimeOptions<Tx> {
  kafka: Kafka;
  group: string;
  topics: string[];
  catalog: EventCatalog;
  /** Handlers by event type; events of other types are counted and skipped. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler is typed by its own contract
  handlers: Record<string, EventHandler<any, Tx>>;
  idempotency: IdempotencyStore<Tx>;
  /** Delay before each retry; its length is the number of retries, so attempts = length + 1. */
  retryDelaysMs: number[];
  logger: Logger;
  registry?: Registry;
  /** Partitions handled at the same time (each partition stays in order). */
  concurrency?: number;
  sessionTimeoutMs?: number;
  /** How long a fetch waits for records; small values make tests and shutdown quicker. */
  maxWaitTimeMs?: number;
}

interface RuntimeMetrics {
  outcomes: Counter<'group' | 'topic' | 'outcome'>;
  handling: Histogram<'group' | 'type'>;
}

const COMMIT_EVERY = 200;
const header = (headers: IHeaders | undefined, name: string): string | undefined => {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
};

function sleepWithHeartbeat(
  ms: number,
  heartbeat: () => Promise<void>,
  isRunning: () => boolean,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + ms;
    const tick = () => {
      if (!isRunning() || Date.now() >= deadline) return resolve();
      heartbeat().then(() => setTimeout(tick, Math.min(1000, Math.max(0, deadline - Date.now()))), reject);
    };
    tick();
  });
}

/**
 * The one way anything consumes events. Per consumer group it runs two kafkajs consumers: one on the
 * group's event topics and one (group `<group>.retry`) on its retry topics, so a record waiting for its
 * retry delay never holds up fresh ones. For each record, in partition order:
 * parse and validate (envelope and payload contract; failures go straight to the dead letters), skip
 * unknown types, then run the handler through the idempotency store. A failed handler's record goes to
 * the next retry topic with its attempt count and not-before time, and after the last attempt (or a
 * DeadLetterError) to `<group>.dlq` with provenance headers. Offsets are committed only once a record
 * was handled, parked for retry, or dead-lettered, and that produce was acknowledged by all in-sync
 * replicas.
 */
export class ConsumerRuntime<Tx> {
  private readonly main: Consumer;
  private readonly retry: Consumer;
  private producer: Producer;
  private admin: Admin | undefined;
  private readonly metrics: RuntimeMetrics | undefined;
  private readonly crashed = new Map<string, Error>();
  private readonly joined = new Set<string>();

  constructor(private readonly options: ConsumerRuntimeOptions<Tx>) {
    const common = {
      allowAutoTopicCreation: false,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 1_000,
    };
    this.main = options.kafka.consumer({ groupId: options.group, ...common });
    this.retry = options.kafka.consumer({ groupId: `${options.group}.retry`, ...common });
    this.producer = options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    if (options.registry) this.metrics = this.registerMetrics(options.registry);
    for (const [name, consumer] of [
      ['main', this.main],
      ['retry', this.retry],
    ] as const) {
      consumer.on(consumer.events.GROUP_JOIN, () => {
        this.joined.add(name);
        this.crashed.delete(name);
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        this.crashed.set(name, payload.error);
        options.logger.error(
          { err: payload.error, consumer: name, restart: payload.restart },
          'consumer crashed',
        );
      });
    }
  }

  get retryTopics(): string[] {
    return this.options.retryDelaysMs.map((_, index) => retryTopic(this.options.group, index + 1));
  }

  async start(): Promise<void> {
    await this.producer.connect();
    const concurrency = this.options.concurrency ?? 3;
    for (const [consumer, topics] of [
      [this.main, this.options.topics],
      [this.retry, this.retryTopics],
    ] as const) {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: concurrency,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          let pending: string | undefined;
          let sinceCommit = 0;
          const commit = async () => {
            if (pending === undefined) return;
            await consumer.commitOffsets([
              { topic: batch.topic, partition: batch.partition, offset: pending },
            ]);
            pending = undefined;
            sinceCommit = 0;
          };
          for (const message of batch.messages) {
            if (!isRunning() || isStale()) break;
            // Not handled means it was still waiting for its retry time when the consumer stopped.
            if (!(await this.handleRecord(batch.topic, batch.partition, message, heartbeat, isRunning)))
              break;
            resolveOffset(message.offset);
            pending = (BigInt(message.offset) + 1n).toString();
            if (++sinceCommit >= COMMIT_EVERY) await commit();
          }
          await commit();
          await heartbeat();
        },
      });
    }
  }

  async stop(): Promise<void> {
    await Promise.all([this.main.disconnect(), this.retry.disconnect()]);
    await this.producer.disconnect();
    await this.admin?.disconnect();
  }

  /** Ready once both consumers joined their groups and neither has crashed since. */
  readiness(): ReadinessCheck {
    return {
      name: `consumer:${this.options.group}`,
      check: async () => {
        const crash = [...this.crashed.values()][0];
        if (crash) throw new Error(`consumer crashed: ${crash.message}`);
        if (this.joined.size < 2) throw new Error('consumer has not joined its group yet');
      },
    };
  }

  private isRetryTopic(topic: string): boolean {
    return topic.startsWith(`${this.options.group}.retry.`);
  }

  private async handleRecord(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
    isRunning: () => boolean,
  ): Promise<boolean> {
    const { group, catalog, handlers, logger } = this.options;
    const attempt = Number(header(message.headers, HEADERS.attempt) ?? '1');
    const notBefore = Number(header(message.headers, HEADERS.notBefore) ?? '0');
    if (notBefore > Date.now()) {
      await sleepWithHeartbeat(notBefore - Date.now(), heartbeat, isRunning);
      if (notBefore > Date.now()) return false;
    }

    let envelope: EventEnvelope;
    try {
      const parsed = envelopeSchema.safeParse(JSON.parse(message.value?.toString('utf8') ?? ''));
      if (!parsed.success)
        throw new EventContractError(
          'invalid event envelope',
          parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
        );
      envelope = parsed.data as EventEnvelope;
    } catch (error) {
      await this.deadLetter(topic, partition, message, error, attempt);
      return true;
    }
    const handler = handlers[envelope.type];
    if (!handler) {
      this.count(topic, 'skipped_unknown_type');
      return true;
    }
    try {
      envelope = {
        ...envelope,
        payload: catalog.validatePayload(envelope.type, envelope.version, envelope.payload),
      };
    } catch (error) {
      await this.deadLetter(topic, partition, message, error, attempt);
      return true;
    }

    const parent = propagation.extract(context.active(), message.headers ?? {}, {
      get: (carrier, key) => header(carrier, key),
      keys: (carrier) => Object.keys(carrier),
    });
    const span = trace.getTracer('@homegraph/platform/events').startSpan(
      `process ${envelope.type}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.destination.name': topic,
          'messaging.consumer.group.name': group,
        },
      },
      parent,
    );
    const log = logger.child({
      eventId: envelope.eventId,
      eventType: envelope.type,
      attempt,
      topic,
      partition,
      offset: message.offset,
    });
    const stopTimer = this.metrics?.handling.startTimer({ group, type: envelope.type });
    const keepAlive = setInterval(() => void heartbeat().catch(() => undefined), 2_000);
    try {
      const handled = await context.with(trace.setSpan(parent, span), () =>
        this.options.idempotency.runOnce(group, envelope.eventId, (tx) =>
          handler(envelope, { tx, logger: log, attempt }),
        ),
      );
      this.count(topic, handled ? 'processed' : 'duplicate');
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      this.count(topic, 'failed');
      const maxAttempts = this.options.retryDelaysMs.length + 1;
      if (error instanceof DeadLetterError || attempt >= maxAttempts) {
        log.warn({ err: error }, 'event handling failed; dead-lettering');
        await this.deadLetter(topic, partition, message, error, attempt);
      } else {
        log.warn({ err: error }, 'event handling failed; scheduling a retry');
        await this.scheduleRetry(topic, partition, message, error, attempt);
      }
    } finally {
      clearInterval(keepAlive);
      stopTimer?.();
      span.end();
    }
    return true;
  }

  /** Provenance of the first hop: a record from a retry topic carries its original coordinates. */
  private provenance(
    topic: string,
    partition: number,
    message: KafkaMessage,
    error: unknown,
    attempt: number,
  ) {
    const now = new Date().toISOString();
    const fromRetry = this.isRetryTopic(topic);
    const original = (name: string, fallback: string) =>
      fromRetry ? (header(message.headers, name) ?? fallback) : fallback;
    const failure = error instanceof Error ? error : new Error(String(error));
    return {
      ...Object.fromEntries(
        Object.entries(message.headers ?? {}).map(([key, value]) => [
          key,
          header({ [key]: value }, key) ?? '',
        ]),
      ),
      [HEADERS.originalTopic]: original(HEADERS.originalTopic, topic),
      [HEADERS.originalPartition]: original(HEADERS.originalPartition, String(partition)),
      [HEADERS.originalOffset]: original(HEADERS.originalOffset, message.offset),
      [HEADERS.originalKey]: original(HEADERS.originalKey, message.key?.toString('utf8') ?? ''),
      [HEADERS.errorClass]: failure.name,
      [HEADERS.errorMessage]: failure.message.slice(0, 1000),
      [HEADERS.attempt]: String(attempt),
      [HEADERS.firstFailureAt]: header(message.headers, HEADERS.firstFailureAt) ?? now,
      [HEADERS.lastFailureAt]: now,
    };
  }

  private async scheduleRetry(
    topic: string,
    partition: number,
    message: KafkaMessage,
    error: unknown,
    attempt: number,
  ) {
    const delay = this.options.retryDelaysMs[attempt - 1] ?? 0;
    const headers: Record<string, string> = {
      ...this.provenance(topic, partition, message, error, attempt),
      [HEADERS.attempt]: String(attempt + 1),
      [HEADERS.notBefore]: String(Date.now() + delay),
    };
    // A replayed dead letter is live again: its old dead-letter time no longer describes it.
    delete headers[HEADERS.deadLetteredAt];
    await this.producer.send({
      topic: retryTopic(this.options.group, attempt),
      acks: -1,
      messages: [{ key: message.key, value: message.value, headers }],
    });
    this.count(topic, 'retried');
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    error: unknown,
    attempt: number,
  ) {
    const headers = {
      ...this.provenance(topic, partition, message, error, attempt),
      [HEADERS.deadLetteredAt]: new Date().toISOString(),
    };
    delete (headers as Record<string, string>)[HEADERS.notBefore];
    await this.producer.send({
      topic: deadLetterTopic(this.options.group),
      acks: -1,
      messages: [{ key: message.key, value: message.value, headers }],
    });
    this.options.logger.warn(
      { topic, partition, offset: message.offset, errorClass: headers[HEADERS.errorClass], attempt },
      'event dead-lettered',
    );
    this.count(topic, 'dead_lettered');
  }

  private count(topic: string, outcome: string): void {
    this.metrics?.outcomes.inc({ group: this.options.group, topic, outcome });
  }

  private registerMetrics(registry: Registry): RuntimeMetrics {
    const groups = (): [string, string[]][] => [
      [this.options.group, this.options.topics],
      [`${this.options.group}.retry`, this.retryTopics],
    ];
    const lag = (group: string, topics: string[]) => this.lag(group, topics);
    new Gauge({
      name: 'kafka_consumer_lag',
      help: 'Records in a partition not yet committed by the consumer group',
      labelNames: ['group', 'topic', 'partition'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const [group, topics] of groups()) {
          for (const [topic, partition, records] of await lag(group, topics)) {
            this.set({ group, topic, partition }, records);
          }
        }
      },
    });
    const deadLetters = () => this.deadLetterCount();
    const ownGroup = this.options.group;
    new Gauge({
      name: 'kafka_dead_letters',
      help: 'Records in the consumer group dead-letter topic (not yet purged)',
      labelNames: ['group'],
      registers: [registry],
      async collect() {
        this.set({ group: ownGroup }, await deadLetters());
      },
    });
    return {
      outcomes: new Counter({
        name: 'kafka_consumer_events_total',
        help: 'Events seen by a consumer group, by outcome (processed, duplicate, failed, retried, dead_lettered, skipped_unknown_type)',
        labelNames: ['group', 'topic', 'outcome'],
        registers: [registry],
      }),
      handling: new Histogram({
        name: 'kafka_consumer_handling_seconds',
        help: 'Time to handle one event, including its idempotent transaction',
        labelNames: ['group', 'type'],
        buckets: LATENCY_BUCKETS,
        registers: [registry],
      }),
    };
  }

  private async deadLetterCount(): Promise<number> {
    const offsets = await (await this.adminClient()).fetchTopicOffsets(deadLetterTopic(this.options.group));
    return offsets.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
  }

  private async adminClient(): Promise<Admin> {
    if (!this.admin) {
      this.admin = this.options.kafka.admin();
      await this.admin.connect();
    }
    return this.admin;
  }

  /** [topic, partition, lag] for a group, from committed offsets and high watermarks. */
  async lag(group: string, topics: string[]): Promise<[string, string, number][]> {
    const admin = await this.adminClient();
    const committed = await admin.fetchOffsets({ groupId: group, topics });
    const rows: [string, string, number][] = [];
    for (const { topic, partitions } of committed) {
      const ends = await admin.fetchTopicOffsets(topic);
      for (const { partition, offset } of partitions) {
        const end = Number(ends.find((entry) => entry.partition === partition)?.high ?? '0');
        const start =
          Number(offset) < 0
            ? Number(ends.find((entry) => entry.partition === partition)?.low ?? '0')
            : Number(offset);
        rows.push([topic, String(partition), Math.max(0, end - start)]);
      }
    }
    return rows;
  }
}
