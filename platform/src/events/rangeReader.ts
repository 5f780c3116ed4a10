import type { Kafka, KafkaMessage } from 'kafkajs';

/** Offsets `start` (inclusive) to `end` (exclusive) of one partition. */
export interface OffsetRange {
  start: bigint;
  end: bigint;
}

export interface RangeReadOptions {
  kafka: Kafka;
  topic: string;
  /** Per partition; partitions not listed are not read. */
  ranges: ReadonlyMap<number, OffsetRange>;
  /** A group of its own, so the read commits nothing anyone else relies on; the caller deletes it. */
  groupId: string;
  /** Gives up when no batch arrives for this long before every range is read. */
  stallTimeoutMs?: number;
  /** A small fetch wait keeps disconnect quick: kafkajs waits for the fetch in flight. */
  maxWaitTimeMs?: number;
  /** Each record inside the ranges, in offset order per partition (a partition may be read again after a rebalance). */
  onMessage(partition: number, message: KafkaMessage): void;
}

/**
 * Reads fixed offset ranges of a topic once, then stops: kafkajs has no such call, so a short-lived
 * consumer seeks each partition to its start and is paused per partition once a fetched batch reaches
 * the end (batches of control records only, which `eachBatch` never sees, count too).
 */
export async function readOffsetRanges({
  kafka,
  topic,
  ranges,
  groupId,
  stallTimeoutMs = 30_000,
  maxWaitTimeMs = 250,
  onMessage,
}: RangeReadOptions): Promise<void> {
  if (!ranges.size) return;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: maxWaitTimeMs, allowAutoTopicCreation: false });
  const unfinished = new Set(ranges.keys());
  let stall: NodeJS.Timeout | undefined;
  const finished = new Promise<void>((resolve, reject) => {
    const arm = () => {
      clearTimeout(stall);
      stall = setTimeout(
        () =>
          reject(
            new Error(
              `reading ${topic} stalled for ${stallTimeoutMs} ms before the end of partitions ${[...unfinished].join(', ')}`,
            ),
          ),
        stallTimeoutMs,
      );
    };
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      arm();
      // A partition outside the wanted ranges, or read to its end, needs no more fetches.
      const range = ranges.get(payload.partition);
      if (range && BigInt(payload.lastOffset) + 1n < range.end) return;
      consumer.pause([{ topic, partitions: [payload.partition] }]);
      unfinished.delete(payload.partition);
      if (!unfinished.size) resolve();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
    arm();
  });
  // Rejections before the await below must not count as unhandled; the await still sees them.
  finished.catch(() => undefined);
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const range = ranges.get(batch.partition);
        if (!range) return;
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          if (offset >= range.start && offset < range.end) onMessage(batch.partition, message);
        }
      },
    });
    for (const [partition, { start }] of ranges)
      consumer.seek({ topic, partition, offset: start.toString() });
    await finished;
  } finally {
    clearTimeout(stall);
    await consumer.disconnect().catch(() => undefined);
  }
}
