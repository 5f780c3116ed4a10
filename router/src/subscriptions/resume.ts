import { envelopeSchema, readOffsetRanges, type EventEnvelope, type Logger } from '@homegraph/platform';
import type { Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export class ResumeInputError extends Error {}

/** The Unix time in ms a UUIDv7 was made at (its first 48 bits); throws on anything else. */
export function eventIdTime(id: unknown): number {
  if (typeof id !== 'string' || !UUIDV7.test(id.toLowerCase()))
    throw new ResumeInputError('lastEventId must be an event id (a UUIDv7)');
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/** UUIDv7s sort by creation time as text; lower case so mixed-case input compares the same. */
export const compareEventIds = (a: string, b: string): number => {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  return left < right ? -1 : left > right ? 1 : 0;
};

/**
 * Joins one subscriber's replay with the live events that arrive meanwhile. While the replay runs,
 * live events are held; when it ends, the held ones it already covered are dropped and the rest go
 * out after it. Live events keep being checked against the replayed ids afterwards too, since the
 * live feed may be behind the replay's end. Only events the subscriber wants are ever shown here.
 */
export class ReplayMerge {
  private readonly replayed = new Set<string>();
  private held: EventEnvelope[] | undefined = [];

  constructor(
    readonly lastEventId: string,
    private readonly maxHeld: number,
  ) {}

  get replaying(): boolean {
    return this.held !== undefined;
  }

  /** Whether a replayed event goes out: after lastEventId and not yet seen. */
  replay(envelope: EventEnvelope): boolean {
    const id = envelope.eventId.toLowerCase();
    if (compareEventIds(id, this.lastEventId) <= 0 || this.replayed.has(id)) return false;
    this.replayed.add(id);
    return true;
  }

  /**
   * What to do with a live event: deliver it now, hold it until the replay ends, or drop it (seen
   * already). Throws once more are held than the bound allows.
   */
  live(envelope: EventEnvelope): 'deliver' | 'hold' | 'drop' {
    const id = envelope.eventId.toLowerCase();
    if (compareEventIds(id, this.lastEventId) <= 0) return 'drop';
    if (this.held) {
      if (this.held.length >= this.maxHeld)
        throw new ResumeLimitError('too many live events arrived during the replay');
      this.held.push(envelope);
      return 'hold';
    }
    // Each replayed event can come live at most once more.
    return this.replayed.delete(id) ? 'drop' : 'deliver';
  }

  /** Ends the replay: the held events it didn't cover, in arrival order; live events go out from now. */
  finish(): EventEnvelope[] {
    const held = this.held ?? [];
    this.held = undefined;
    return held.filter((envelope) => !this.replayed.delete(envelope.eventId.toLowerCase()));
  }
}

export class ResumeLimitError extends Error {}

/** Where one partition's replay starts and whether older records it needs were deleted. */
export interface ReplayWindow {
  topic: string;
  start: ReadonlyMap<number, bigint>;
  /** Records from `start` to the end of each partition when asked. */
  records: number;
  /** Some partition holds nothing from before the start while older records were deleted. */
  expired: boolean;
}

export interface ReplaySource {
  /** Where a replay of `topic` from `fromMs` (a record timestamp) starts. */
  window(topic: string, fromMs: number): Promise<ReplayWindow>;
  /**
   * The events from the window's start up to the end offsets of each partition as they are when
   * this is called, that `wanted` keeps, partitions merged by event id (each partition in order).
   */
  read(window: ReplayWindow, wanted: (envelope: EventEnvelope) => boolean): Promise<EventEnvelope[]>;
}

/** Merges per-partition lists (each kept in order) by the id at their heads. */
export function mergeByEventId(lists: ReadonlyArray<readonly EventEnvelope[]>): EventEnvelope[] {
  const heads = lists.map(() => 0);
  const merged: EventEnvelope[] = [];
  for (;;) {
    let best = -1;
    for (const [index, list] of lists.entries()) {
      const head = list[heads[index] as number];
      if (!head) continue;
      const current = best < 0 ? undefined : lists[best]?.[heads[best] as number];
      if (!current || compareEventIds(head.eventId, current.eventId) < 0) best = index;
    }
    if (best < 0) return merged;
    merged.push(lists[best]![heads[best] as number]!);
    heads[best] = (heads[best] as number) + 1;
  }
}

const STALL_TIMEOUT_MS = 30_000;

/**
 * Replays partition ranges with a short-lived consumer in a group of its own (kafkajs reads only in
 * groups), seeking each partition to its start and pausing it at the end noted beforehand; the group
 * is deleted afterwards so it doesn't linger.
 */
export function createKafkaReplaySource(options: {
  kafka: Kafka;
  groupPrefix: string;
  logger: Logger;
}): ReplaySource {
  const { kafka, logger } = options;

  const withAdmin = async <T>(work: (admin: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };

  return {
    window: (topic, fromMs) =>
      withAdmin(async (admin) => {
        const [bounds, byTime] = await Promise.all([
          admin.fetchTopicOffsets(topic),
          admin.fetchTopicOffsetsByTimestamp(topic, Math.max(0, fromMs)),
        ]);
        const start = new Map<number, bigint>();
        let records = 0;
        let expired = false;
        for (const { partition, offset } of byTime) {
          const bound = bounds.find((candidate) => candidate.partition === partition);
          const low = BigInt(bound?.low ?? '0');
          const high = BigInt(bound?.high ?? offset);
          const from = BigInt(offset) < low ? low : BigInt(offset);
          // Retention deletes whole segments, oldest first: when the window starts at the oldest
          // record left and some were deleted, the deleted ones may have been inside it.
          if (low > 0n && from === low) expired = true;
          start.set(partition, from);
          records += Number(high - from);
        }
        return { topic, start, records, expired };
      }),

    read: (window, wanted) =>
      withAdmin(async (admin) => {
        const { topic } = window;
        const ends = new Map(
          (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, BigInt(high)]),
        );
        const ranges = new Map<number, { start: bigint; end: bigint }>();
        for (const [partition, start] of window.start) {
          const end = ends.get(partition) ?? start;
          if (end > start) ranges.set(partition, { start, end });
        }
        const found = new Map<number, EventEnvelope[]>();
        // A partition read again after a rebalance must not list a record twice.
        const seen = new Set<string>();
        if (!ranges.size) return [];
        const groupId = `${options.groupPrefix}.replay.${hostname()}.${randomUUID()}`;
        try {
          await readOffsetRanges({
            kafka,
            topic,
            ranges,
            groupId,
            stallTimeoutMs: STALL_TIMEOUT_MS,
            maxWaitTimeMs: 100,
            onMessage: (partition, message) => {
              let envelope: EventEnvelope;
              try {
                envelope = envelopeSchema.parse(JSON.parse(message.value?.toString() ?? '')) as EventEnvelope;
              } catch {
                return;
              }
              if (seen.has(envelope.eventId) || !wanted(envelope)) return;
              seen.add(envelope.eventId);
              let list = found.get(partition);
              if (!list) found.set(partition, (list = []));
              list.push(envelope);
            },
          });
        } finally {
          await admin.deleteGroups([groupId]).catch((error: unknown) => {
            logger.debug({ err: error, groupId }, 'could not delete a replay group');
          });
        }
        return mergeByEventId([...found.values()]);
      }),
  };
}
