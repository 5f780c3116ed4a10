import type { Admin, IHeaders, Kafka, KafkaMessage, Message } from 'kafkajs';
import { createIdempotentProducer } from '../kafka';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { HEADERS } from './envelope';
import { deadLetterTopic, retryTopic } from './topics';
import { readOffsetRanges } from './rangeReader';

/** Which dead letters an operation applies to; every given field must match. Offsets are inclusive. */
export interface DeadLetterFilter {
  eventType?: string;
  errorClass?: string;
  eventId?: string;
  partition?: number;
  fromOffset?: string;
  toOffset?: string;
}

/** One dead letter as `list` shows it: where it sits, what it is, where it came from and why it failed. */
export interface DeadLetterEntry {
  partition: number;
  offset: string;
  key: string | undefined;
  /** From the record's JSON value; undefined when the value is not a JSON object. */
  eventId: string | undefined;
  eventType: string | undefined;
  originalTopic: string | undefined;
  originalPartition: number | undefined;
  originalOffset: string | undefined;
  errorClass: string | undefined;
  errorMessage: string | undefined;
  /** The attempt that failed last. */
  attempts: number | undefined;
  firstFailureAt: string | undefined;
  lastFailureAt: string | undefined;
  deadLetteredAt: string | undefined;
}

/** A dead letter with its whole value and every header, as `inspect` shows it. */
export interface DeadLetterRecord extends DeadLetterEntry {
  value: string | undefined;
  headers: Record<string, string>;
}

export type DeadLetterSelection =
  { partition: number; offset: string } | { filter: DeadLetterFilter } | { all: true };

interface StoredRecord {
  partition: number;
  message: KafkaMessage;
  entry: DeadLetterEntry;
}

interface Watermarks {
  partition: number;
  low: bigint;
  high: bigint;
}

/** A reader gives up when no fetch answered for this long, rather than hang an operator's terminal. */
const STALL_TIMEOUT_MS = 30_000;
/** Records per replay request: stays well below the broker's default 1 MiB request limit for events. */
const REPLAY_CHUNK = 100;

const headerText = (headers: IHeaders | undefined, name: string): string | undefined => {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
};

function identity(value: Buffer | null): { eventId: string | undefined; eventType: string | undefined } {
  try {
    const parsed: unknown = JSON.parse(value?.toString('utf8') ?? '');
    if (parsed !== null && typeof parsed === 'object') {
      const { eventId, type } = parsed as Record<string, unknown>;
      return {
        eventId: typeof eventId === 'string' ? eventId : undefined,
        eventType: typeof type === 'string' ? type : undefined,
      };
    }
  } catch {
    // Unparseable values are dead letters too (the runtime sends them straight here): no identity.
  }
  return { eventId: undefined, eventType: undefined };
}

function toEntry(partition: number, message: KafkaMessage): DeadLetterEntry {
  const text = (name: string) => headerText(message.headers, name);
  const number = (name: string) => {
    const value = text(name);
    return value === undefined || value === '' ? undefined : Number(value);
  };
  return {
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8'),
    ...identity(message.value),
    originalTopic: text(HEADERS.originalTopic),
    originalPartition: number(HEADERS.originalPartition),
    originalOffset: text(HEADERS.originalOffset),
    errorClass: text(HEADERS.errorClass),
    errorMessage: text(HEADERS.errorMessage),
    attempts: number(HEADERS.attempt),
    firstFailureAt: text(HEADERS.firstFailureAt),
    lastFailureAt: text(HEADERS.lastFailureAt),
    deadLetteredAt: text(HEADERS.deadLetteredAt),
  };
}

function matches(entry: DeadLetterEntry, filter: DeadLetterFilter): boolean {
  return (
    (filter.eventType === undefined || entry.eventType === filter.eventType) &&
    (filter.errorClass === undefined || entry.errorClass === filter.errorClass) &&
    (filter.eventId === undefined || entry.eventId === filter.eventId)
  );
}

/**
 * The operator's handle on one consumer group's dead letters (`<group>.dlq`): list and inspect them,
 * replay them into the group's first retry topic once the cause is fixed, and purge them.
 *
 * Reads never join or move the group itself: each read uses a throwaway consumer group (kafkajs has no
 * group-less assignment), commits nothing, and deletes that group afterwards. A read is a snapshot: it
 * stops at each partition's high watermark as it was when the read began.
 */
export class DeadLetters {
  readonly topic: string;

  constructor(
    private readonly kafka: Kafka,
    private readonly group: string,
    private readonly logger: Logger,
  ) {
    this.topic = deadLetterTopic(group);
  }

  async list(filter: DeadLetterFilter = {}): Promise<DeadLetterEntry[]> {
    return (await this.scan(filter)).map((record) => record.entry);
  }

  async inspect(partition: number, offset: string): Promise<DeadLetterRecord | undefined> {
    const [record] = await this.scan({ partition, fromOffset: offset, toOffset: offset });
    if (!record) return undefined;
    const { message, entry } = record;
    return {
      ...entry,
      value: message.value?.toString('utf8'),
      headers: Object.fromEntries(
        Object.keys(message.headers ?? {}).map((name) => [name, headerText(message.headers, name) ?? '']),
      ),
    };
  }

  /**
   * Sends the selected dead letters, with their key, value and headers, to the group's first retry
   * topic as attempt 1 due now, so the consumer gives each the full set of attempts again. The handler
   * runs through the group's idempotency store: an event already applied (by an earlier replay, say)
   * is skipped, which also makes re-running a replay that failed part-way safe.
   */
  async replay(selection: DeadLetterSelection): Promise<number> {
    const records = await this.scan(
      'all' in selection
        ? {}
        : 'filter' in selection
          ? selection.filter
          : { partition: selection.partition, fromOffset: selection.offset, toOffset: selection.offset },
    );
    if (!records.length) return 0;
    const target = retryTopic(this.group, 1);
    await this.withAdmin(async (admin) => {
      if (!(await admin.listTopics()).includes(target)) {
        throw new Error(`retry topic ${target} does not exist: provision the topic catalog first`);
      }
    });
    const now = Date.now();
    const messages: Message[] = records.map(({ message }) => ({
      key: message.key,
      value: message.value,
      headers: {
        ...message.headers,
        [HEADERS.attempt]: '1',
        [HEADERS.notBefore]: String(now),
        [HEADERS.replayedAt]: new Date(now).toISOString(),
      },
    }));
    const producer = createIdempotentProducer(this.kafka);
    await producer.connect();
    try {
      for (let start = 0; start < messages.length; start += REPLAY_CHUNK) {
        await producer.send({
          topic: target,
          acks: -1,
          messages: messages.slice(start, start + REPLAY_CHUNK),
        });
      }
    } finally {
      await producer.disconnect();
    }
    this.logger.info({ group: this.group, topic: target, count: messages.length }, 'dead letters replayed');
    return messages.length;
  }

  /**
   * Deletes every record of `partition` up to and including `offset`. Kafka can only delete a prefix
   * of a partition (it moves the partition's start), never single records from the middle: to drop one
   * poison record, everything before it in its partition goes too. Returns the number of records removed.
   */
  async purgeUpTo(partition: number, offset: string): Promise<number> {
    return this.withAdmin(async (admin) => {
      const marks = (await this.watermarks(admin)).find((entry) => entry.partition === partition);
      if (!marks) throw new Error(`${this.topic} has no partition ${partition}`);
      const end = BigInt(offset) + 1n;
      if (end > marks.high) {
        throw new RangeError(
          `${this.topic} partition ${partition} holds offsets below ${marks.high} only; cannot purge up to ${offset}`,
        );
      }
      if (end <= marks.low) return 0;
      await admin.deleteTopicRecords({
        topic: this.topic,
        partitions: [{ partition, offset: end.toString() }],
      });
      this.logger.warn({ topic: this.topic, partition, upTo: offset }, 'dead letters purged');
      return Number(end - marks.low);
    });
  }

  /** Deletes every dead letter present now; records arriving meanwhile are kept. Returns the count. */
  async purgeAll(): Promise<number> {
    return this.withAdmin(async (admin) => {
      const nonEmpty = (await this.watermarks(admin)).filter((marks) => marks.high > marks.low);
      if (!nonEmpty.length) return 0;
      await admin.deleteTopicRecords({
        topic: this.topic,
        partitions: nonEmpty.map(({ partition, high }) => ({ partition, offset: high.toString() })),
      });
      const count = nonEmpty.reduce((sum, marks) => sum + Number(marks.high - marks.low), 0);
      this.logger.warn({ topic: this.topic, count }, 'dead letters purged');
      return count;
    });
  }

  private async withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect();
    }
  }

  private async watermarks(admin: Admin): Promise<Watermarks[]> {
    // A wrong group name would otherwise surface as kafkajs retrying an unknown topic for seconds.
    if (!(await admin.listTopics()).includes(this.topic)) {
      throw new Error(`dead-letter topic ${this.topic} does not exist: is "${this.group}" the right group?`);
    }
    return (await admin.fetchTopicOffsets(this.topic)).map(({ partition, low, high }) => ({
      partition,
      low: BigInt(low),
      high: BigInt(high),
    }));
  }

  /** Reads the matching records of every partition, from its start (or fromOffset) to its end at call time. */
  private async scan(filter: DeadLetterFilter): Promise<StoredRecord[]> {
    return this.withAdmin(async (admin) => {
      const ranges = new Map<number, { start: bigint; end: bigint }>();
      for (const { partition, low, high } of await this.watermarks(admin)) {
        if (filter.partition !== undefined && partition !== filter.partition) continue;
        const from = filter.fromOffset === undefined ? low : BigInt(filter.fromOffset);
        const to = filter.toOffset === undefined ? high : BigInt(filter.toOffset) + 1n;
        const start = from > low ? from : low;
        const end = to < high ? to : high;
        if (start < end) ranges.set(partition, { start, end });
      }
      if (!ranges.size) return [];

      const groupId = `${this.group}.dlq-reader.${randomUUID()}`;
      try {
        const records = await this.read(groupId, ranges, filter);
        return records.sort((a, b) =>
          a.partition !== b.partition
            ? a.partition - b.partition
            : Number(BigInt(a.message.offset) - BigInt(b.message.offset)),
        );
      } finally {
        // Left alone, the empty group would linger in listings until the broker expires it.
        await admin.deleteGroups([groupId]).catch((error: unknown) => {
          this.logger.warn({ err: error, groupId }, 'could not delete the dead-letter reader group');
        });
      }
    });
  }

  private async read(
    groupId: string,
    ranges: Map<number, { start: bigint; end: bigint }>,
    filter: DeadLetterFilter,
  ): Promise<StoredRecord[]> {
    const found = new Map<string, StoredRecord>();
    await readOffsetRanges({
      kafka: this.kafka,
      topic: this.topic,
      ranges,
      groupId,
      stallTimeoutMs: STALL_TIMEOUT_MS,
      onMessage: (partition, message) => {
        const entry = toEntry(partition, message);
        if (matches(entry, filter))
          found.set(`${partition}:${message.offset}`, { partition, message, entry });
      },
    });
    return [...found.values()];
  }
}
