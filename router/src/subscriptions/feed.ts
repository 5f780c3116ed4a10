import { envelopeSchema, type EventEnvelope, type Logger, type ReadinessCheck } from '@homegraph/platform';
import type { Consumer, Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

export type EventListener = (topic: string, envelope: EventEnvelope) => Promise<void>;

export interface EventFeedOptions {
  kafka: Kafka;
  topics: readonly string[];
  /** The group id is this, the host name and a random id: every router process is its own group. */
  groupPrefix: string;
  logger: Logger;
  onEvent: EventListener;
  /**
   * How long an idle fetch waits for records (default 1 s). The broker answers as soon as one record
   * arrives, so this doesn't delay delivery; it sets how often an idle router asks (a 100 ms wait cost an
   * idle router ~5 % of a core) and how long stopping may wait.
   */
  maxWaitTimeMs?: number;
  onInvalid?: () => void;
}

export interface EventFeed {
  start(): Promise<void>;
  /**
   * Starts reading the topics among these it doesn't read yet, from their latest offsets, without a
   * restart (a reloaded supergraph bound a field to a new topic). Topics no binding uses any more are
   * still read: their events find no subscriber.
   */
  addTopics(topics: readonly string[]): void;
  stop(): Promise<void>;
  readiness(): ReadinessCheck;
}

const RETRY_MS = 5_000;
/** How soon a feed whose consumer crashed starts a new one. */
const RESTART_AFTER_CRASH_MS = 1_000;

/** A consumer of some of the topics: the first for those bound at start, one more per reload adding any. */
interface Segment {
  topics: readonly string[];
  consumer: Consumer | undefined;
  positioned: boolean;
  lastError: Error | undefined;
  retry: NodeJS.Timeout | undefined;
  /** Next offset to read per `topic|partition`: the latest at first start, then past each event read. */
  next: Map<string, { topic: string; partition: number; offset: string }>;
}

const partitionKey = (topic: string, partition: number) => `${topic}|${partition}`;

/**
 * Reads every event of the subscription topics, in partition order, from the offsets that were the
 * latest when it started. Each router process is a consumer group of its own, so every replica sees
 * every event; it never commits offsets (nothing resumes from them), so its group is empty and
 * expires once the process is gone. The offsets are fixed before it reports ready: any event
 * published after `/ready` answers 200 is delivered. Topics added later get a consumer of their own
 * (a running kafkajs consumer can't subscribe to more), and `/ready` waits for it too.
 * A crashed consumer is replaced by a new one that continues after the last event this feed read (not
 * from the latest offsets, as kafkajs's own restart of a group without commits would), so a broker
 * outage delays live events but loses none that are still retained.
 */
export function createEventFeed(options: EventFeedOptions): EventFeed {
  const { kafka, logger } = options;
  const segments: Segment[] = [];
  const reading = new Set<string>();
  let initial: string[] = [...new Set(options.topics)];
  let started = false;
  let stopped = false;

  const attempt = async (segment: Segment): Promise<void> => {
    const { topics } = segment;
    const admin = kafka.admin();
    const candidate = kafka.consumer({
      groupId: `${options.groupPrefix}.${hostname()}.${randomUUID()}`,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 1_000,
    });
    try {
      await admin.connect();
      for (const topic of topics) {
        for (const { partition, high } of await admin.fetchTopicOffsets(topic)) {
          const key = partitionKey(topic, partition);
          if (!segment.next.has(key)) segment.next.set(key, { topic, partition, offset: high });
        }
      }
      await candidate.connect();
      await candidate.subscribe({ topics: [...topics], fromBeginning: false });
      if (stopped) throw new Error('stopped while starting');
      segment.consumer = candidate;
      candidate.on(candidate.events.CRASH, ({ payload }) => {
        if (segment.consumer !== candidate || stopped) return;
        segment.consumer = undefined;
        segment.positioned = false;
        segment.lastError = payload.error;
        logger.error(
          { err: payload.error, topics },
          'subscription events feed crashed; starting a new consumer',
        );
        // Deferred: kafkajs arms its own restart right after this event, and disconnect() disarms it.
        setImmediate(() => {
          void candidate.disconnect().catch(() => undefined);
          segment.retry = setTimeout(() => void startLoop(segment), RESTART_AFTER_CRASH_MS);
        });
      });
      await candidate.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          const next = { topic, partition, offset: (BigInt(message.offset) + 1n).toString() };
          let envelope: EventEnvelope;
          try {
            envelope = envelopeSchema.parse(JSON.parse(message.value?.toString() ?? '')) as EventEnvelope;
          } catch {
            options.onInvalid?.();
            logger.warn({ topic, offset: message.offset }, 'skipped a record that is not an event envelope');
            segment.next.set(partitionKey(topic, partition), next);
            return;
          }
          await options.onEvent(topic, envelope);
          segment.next.set(partitionKey(topic, partition), next);
        },
      });
      for (const position of segment.next.values()) candidate.seek(position);
      segment.positioned = true;
      segment.lastError = undefined;
      logger.info({ topics }, 'subscription events feed started');
    } catch (error) {
      await candidate.disconnect().catch(() => undefined);
      if (segment.consumer === candidate) segment.consumer = undefined;
      throw error;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };

  const startLoop = async (segment: Segment): Promise<void> => {
    if (stopped) return;
    try {
      await attempt(segment);
    } catch (error) {
      segment.lastError = error as Error;
      logger.error(
        { err: error, topics: segment.topics },
        'subscription events feed failed to start; retrying',
      );
      segment.retry = setTimeout(() => void startLoop(segment), RETRY_MS);
    }
  };

  const open = (topics: readonly string[]): Promise<void> => {
    for (const topic of topics) reading.add(topic);
    const segment: Segment = {
      topics,
      consumer: undefined,
      positioned: false,
      lastError: undefined,
      retry: undefined,
      next: new Map(),
    };
    segments.push(segment);
    return startLoop(segment);
  };

  return {
    start: async () => {
      started = true;
      if (initial.length) await open(initial);
    },
    addTopics(topics) {
      if (!started) {
        initial = [...new Set([...initial, ...topics])];
        return;
      }
      const added = [...new Set(topics)].filter((topic) => !reading.has(topic));
      if (!added.length || stopped) return;
      logger.info({ topics: added }, 'subscription events feed adds topics');
      void open(added);
    },
    async stop() {
      stopped = true;
      await Promise.all(
        segments.map(async (segment) => {
          clearTimeout(segment.retry);
          segment.positioned = false;
          await segment.consumer
            ?.disconnect()
            .catch((error: unknown) => logger.warn({ err: error }, 'feed stop'));
        }),
      );
    },
    readiness: () => ({
      name: 'subscription events',
      check: async () => {
        for (const segment of segments)
          if (!segment.positioned)
            throw segment.lastError ?? new Error(`not positioned on ${segment.topics.join(', ')} yet`);
        if (!started && initial.length) throw new Error('not started yet');
      },
    }),
  };
}
