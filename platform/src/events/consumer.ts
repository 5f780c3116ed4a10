import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Admin, Consumer, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ReadinessCheck } from '../health';
import { createIdempotentProducer } from '../kafka';
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

interface Prepared<Tx> {
  message: KafkaMessage;
  envelope: EventEnvelope;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- typed by its contract where it was bound
  handler: EventHandler<any, Tx>;
  attempt: number;
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
  /**
   * Fresh events handled in one transaction when the idempotency store supports batches (default 100;
   * 1 turns batching off). A handler failure rolls the whole transaction back and the runtime handles
   * those records one by one, so retries and dead letters stay per record.
   */
  transactionBatchSize?: number;
  /** How long a fetch waits for records; small values make tests and shutdown quicker. */
  maxWaitTimeMs?: number;
  /**
   * Appended to the Kafka group ids (not to the retry and dead-letter topic names), so several
   * independent copies of a service (test stacks on one cluster) each see every event.
   */
  groupIdSuffix?: string;
}

interface RuntimeMetrics {
  outcomes: Counter<'group' | 'topic' | 'outcome'>;
  handling: Histogram<'group' | 'type'>;
}

type ConsumerName = 'main' | 'retry';
type ConsumerRunConfig = NonNullable<Parameters<Consumer['run']>[0]>;

/** Backoff of the runtime's own restarts of a consumer kafkajs gave up on. */
const RESTART_FIRST_DELAY_MS = 1_000;
const RESTART_MAX_DELAY_MS = 30_000;

const countPartitions = (assignment: Record<string, number[]>): number =>
  Object.values(assignment).reduce((total, partitions) => total + partitions.length, 0);

/** Offsets of handled records go to the broker together, this often (and on rebalance and stop). */
const COMMIT_INTERVAL_MS = 250;
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
 * Collects the next offset of each partition as records are handled and commits them in one request
 * per interval. Kafka 4's group coordinator holds every commit for `group.coordinator.append.linger.ms`
 * and serves one connection's requests in turn, so a commit per partition batch queues up and stalls
 * the fetch loop; one request per interval doesn't. Only handled records are ever committed.
 */
class OffsetCommitter {
  private readonly pending = new Map<string, { topic: string; partition: number; offset: string }>();
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly consumer: Consumer,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), COMMIT_INTERVAL_MS);
  }

  mark(topic: string, partition: number, offset: string): void {
    this.pending.set(`${topic}|${partition}`, { topic, partition, offset });
  }

  /** Forgets partitions this member no longer owns after a rebalance. */
  retain(assignment: Record<string, number[]>): void {
    for (const [key, { topic, partition }] of this.pending) {
      if (!assignment[topic]?.includes(partition)) this.pending.delete(key);
    }
  }

  flush(): Promise<void> {
    this.chain = this.chain.then(async () => {
      if (!this.pending.size) return;
      const offsets = [...this.pending.values()];
      this.pending.clear();
      await this.consumer.commitOffsets(offsets).catch((error: unknown) => {
        this.logger.warn(
          { err: error, partitions: offsets.length },
          'offset commit failed; those records will be redelivered',
        );
      });
    });
    return this.chain;
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
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
 * replicas; they are sent together every COMMIT_INTERVAL_MS (OffsetCommitter).
 */
export class ConsumerRuntime<Tx> {
  private readonly main: Consumer;
  private readonly retry: Consumer;
  private producer: Producer;
  private admin: Admin | undefined;
  private readonly metrics: RuntimeMetrics | undefined;
  private readonly committers: OffsetCommitter[] = [];
  private readonly crashed = new Map<string, Error>();
  private readonly joined = new Set<string>();
  private readonly runConfigs = new Map<ConsumerName, ConsumerRunConfig>();
  private readonly restarts = new Map<ConsumerName, { attempts: number; timer?: NodeJS.Timeout }>();
  private stopping = false;

  constructor(private readonly options: ConsumerRuntimeOptions<Tx>) {
    const common = {
      allowAutoTopicCreation: false,
      // A member that vanished with a broker restart holds the group's next rebalance until its session
      // expires, so this bounds how long a service stays unready after Kafka comes back.
      sessionTimeout: options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 1_000,
    };
    const groupId = `${options.group}${options.groupIdSuffix ?? ''}`;
    this.main = options.kafka.consumer({ groupId, ...common });
    this.retry = options.kafka.consumer({ groupId: `${groupId}.retry`, ...common });
    this.producer = createIdempotentProducer(options.kafka);
    if (options.registry) this.metrics = this.registerMetrics(options.registry);
    for (const [name, consumer] of this.consumers()) {
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        this.joined.add(name);
        this.crashed.delete(name);
        this.restarts.delete(name);
        options.logger.info(
          { consumer: name, groupId: payload.groupId, partitions: countPartitions(payload.memberAssignment) },
          'consumer joined its group',
        );
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        this.crashed.set(name, payload.error);
        options.logger.error(
          { err: payload.error, consumer: name, restart: payload.restart },
          'consumer crashed',
        );
        if (!payload.restart) this.restartLater(name, consumer);
      });
    }
  }

  get retryTopics(): string[] {
    return this.options.retryDelaysMs.map((_, index) => retryTopic(this.options.group, index + 1));
  }

  async start(): Promise<void> {
    await this.producer.connect();
    for (const [name, consumer] of this.consumers()) {
      const committer = new OffsetCommitter(consumer, this.options.logger);
      this.committers.push(committer);
      consumer.on(consumer.events.REBALANCING, () => void committer.flush());
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => committer.retain(payload.memberAssignment));
      committer.start();
      await consumer.connect();
      await consumer.subscribe({
        topics: name === 'main' ? this.options.topics : this.retryTopics,
        fromBeginning: true,
      });
      this.runConfigs.set(name, this.runConfig(committer));
      await consumer.run(this.runConfigs.get(name));
    }
  }

  private consumers(): [ConsumerName, Consumer][] {
    return [
      ['main', this.main],
      ['retry', this.retry],
    ];
  }

  private runConfig(committer: OffsetCommitter): ConsumerRunConfig {
    return {
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.concurrency ?? 3,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const chunkSize = this.isRetryTopic(batch.topic) ? 1 : this.batchSize;
        for (let first = 0; first < batch.messages.length; first += chunkSize) {
          if (!isRunning() || isStale()) break;
          const chunk = batch.messages.slice(first, first + chunkSize);
          // Not handled means it was still waiting for its retry time when the consumer stopped.
          if (!(await this.handleChunk(batch.topic, batch.partition, chunk, heartbeat, isRunning))) break;
          const last = chunk[chunk.length - 1] as KafkaMessage;
          resolveOffset(last.offset);
          committer.mark(batch.topic, batch.partition, (BigInt(last.offset) + 1n).toString());
        }
        // kafkajs leaves the group right after the last batch of a stopping consumer: commit now.
        if (!isRunning()) await committer.flush();
        await heartbeat();
      },
    };
  }

  /**
   * kafkajs restarts a consumer only after errors it deems retriable; after any other crash (a broker
   * answering BROKER_NOT_AVAILABLE or UNKNOWN_MEMBER_ID through a restart, a record too large for its
   * retry topic) it stays stopped, and the service would stop consuming for good. The runtime restarts
   * it instead, backing off up to RESTART_MAX_DELAY_MS, until it joins its group again or stop() is called.
   */
  private restartLater(name: ConsumerName, consumer: Consumer): void {
    const state = this.restarts.get(name) ?? { attempts: 0 };
    if (this.stopping || state.timer) return;
    state.attempts += 1;
    const delayMs = Math.min(RESTART_MAX_DELAY_MS, RESTART_FIRST_DELAY_MS * 2 ** (state.attempts - 1));
    this.options.logger.warn(
      { consumer: name, attempt: state.attempts, delayMs },
      'restarting crashed consumer',
    );
    state.timer = setTimeout(() => {
      state.timer = undefined;
      if (this.stopping) return;
      // A failed run() reports through CRASH again, which schedules the next attempt; connect() throws.
      consumer
        .connect()
        .then(() => consumer.run(this.runConfigs.get(name)))
        .catch((error: unknown) => {
          this.options.logger.error({ err: error, consumer: name }, 'consumer restart failed');
          this.restartLater(name, consumer);
        });
    }, delayMs);
    this.restarts.set(name, state);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const { timer } of this.restarts.values()) clearTimeout(timer);
    await Promise.all(this.committers.map((committer) => committer.shutdown()));
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

  private get batchSize(): number {
    return this.options.idempotency.runBatch ? Math.max(1, this.options.transactionBatchSize ?? 100) : 1;
  }

  /** Handles consecutive records of one partition; false when a retry was not yet due at shutdown. */
  private async handleChunk(
    topic: string,
    partition: number,
    messages: KafkaMessage[],
    heartbeat: () => Promise<void>,
    isRunning: () => boolean,
  ): Promise<boolean> {
    const keepAlive = setInterval(() => void heartbeat().catch(() => undefined), 2_000);
    try {
      const ready: Prepared<Tx>[] = [];
      for (const message of messages) {
        const attempt = Number(header(message.headers, HEADERS.attempt) ?? '1');
        const notBefore = Number(header(message.headers, HEADERS.notBefore) ?? '0');
        if (notBefore > Date.now()) {
          await sleepWithHeartbeat(notBefore - Date.now(), heartbeat, isRunning);
          if (notBefore > Date.now()) return false;
        }
        const prepared = await this.prepare(topic, partition, message, attempt);
        if (prepared) ready.push(prepared);
      }
      if (ready.length > 1) await this.handleMany(topic, partition, ready);
      else if (ready[0]) await this.handleOne(topic, partition, ready[0]);
      return true;
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** Parses and validates a record; dead-letters or skips what can't be handled. */
  private async prepare(
    topic: string,
    partition: number,
    message: KafkaMessage,
    attempt: number,
  ): Promise<Prepared<Tx> | undefined> {
    let envelope: EventEnvelope;
    try {
      const parsed = envelopeSchema.safeParse(JSON.parse(message.value?.toString('utf8') ?? ''));
      if (!parsed.success) {
        throw new EventContractError(
          'invalid event envelope',
          parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
        );
      }
      envelope = parsed.data as EventEnvelope;
    } catch (error) {
      await this.deadLetter(topic, partition, message, error, attempt);
      return undefined;
    }
    const handler = this.options.handlers[envelope.type];
    if (!handler) {
      this.count(topic, 'skipped_unknown_type');
      return undefined;
    }
    try {
      const payload = this.options.catalog.validatePayload(envelope.type, envelope.version, envelope.payload);
      return { message, envelope: { ...envelope, payload }, handler, attempt };
    } catch (error) {
      await this.deadLetter(topic, partition, message, error, attempt);
      return undefined;
    }
  }

  /** Runs a handler inside a consumer span that continues the producer's trace, and times it. */
  private async invoke(topic: string, partition: number, record: Prepared<Tx>, tx: Tx): Promise<void> {
    const { group, logger } = this.options;
    const { message, envelope, attempt } = record;
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
    try {
      await context.with(trace.setSpan(parent, span), () =>
        record.handler(envelope, { tx, logger: log, attempt }),
      );
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      stopTimer?.();
      span.end();
    }
  }

  /** One record in its own transaction; a failure sends it to its next retry topic or to the dead letters. */
  private async handleOne(topic: string, partition: number, record: Prepared<Tx>): Promise<void> {
    const { message, envelope, attempt } = record;
    try {
      const handled = await this.options.idempotency.runOnce(this.options.group, envelope.eventId, (tx) =>
        this.invoke(topic, partition, record, tx),
      );
      this.count(topic, handled ? 'processed' : 'duplicate');
    } catch (error) {
      this.count(topic, 'failed');
      const log = this.options.logger.child({ eventId: envelope.eventId, eventType: envelope.type, attempt });
      if (error instanceof DeadLetterError || attempt >= this.options.retryDelaysMs.length + 1) {
        log.warn({ err: error }, 'event handling failed; dead-lettering');
        await this.deadLetter(topic, partition, message, error, attempt);
      } else {
        log.warn({ err: error }, 'event handling failed; scheduling a retry');
        await this.scheduleRetry(topic, partition, message, error, attempt);
      }
    }
  }

  /**
   * Fresh records of a chunk in one transaction, claims and effects together. When a handler throws,
   * the whole transaction rolls back and every record of the chunk is handled on its own.
   */
  private async handleMany(topic: string, partition: number, records: Prepared<Tx>[]): Promise<void> {
    const runBatch = this.options.idempotency.runBatch?.bind(this.options.idempotency);
    if (!runBatch) {
      for (const record of records) await this.handleOne(topic, partition, record);
      return;
    }
    let fresh: ReadonlySet<string>;
    try {
      fresh = await runBatch(
        this.options.group,
        records.map((record) => record.envelope.eventId),
        async (tx, claimed) => {
          // PostgreSQL returns UUIDs in lower case; an id twice in one chunk is handled once.
          const unhandled = new Set(claimed);
          for (const record of records) {
            if (unhandled.delete(record.envelope.eventId.toLowerCase())) {
              await this.invoke(topic, partition, record, tx);
            }
          }
        },
      );
    } catch {
      for (const record of records) await this.handleOne(topic, partition, record);
      return;
    }
    const counted = new Set<string>();
    for (const record of records) {
      const id = record.envelope.eventId.toLowerCase();
      this.count(topic, fresh.has(id) && !counted.has(id) ? 'processed' : 'duplicate');
      counted.add(id);
    }
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
