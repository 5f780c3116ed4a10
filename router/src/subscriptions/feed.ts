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
  /** How long a fetch waits for records; short keeps delivery and shutdown quick. */
  maxWaitTimeMs?: number;
  onInvalid?: () => void;
}

export interface EventFeed {
  start(): Promise<void>;
  stop(): Promise<void>;
  readiness(): ReadinessCheck;
}

const RETRY_MS = 5_000;

/**
 * Reads every event of the subscription topics, in partition order, from the offsets that were the
 * latest when it started. Each router process is a consumer group of its own, so every replica sees
 * every event; it never commits offsets (nothing resumes from them), so its group is empty and
 * expires once the process is gone. The offsets are fixed before it reports ready: any event
 * published after `/ready` answers 200 is delivered.
 */
export function createEventFeed(options: EventFeedOptions): EventFeed {
  const { kafka, topics, logger } = options;
  let consumer: Consumer | undefined;
  let positioned = false;
  let stopped = false;
  let lastError: Error | undefined;
  let retry: NodeJS.Timeout | undefined;

  const attempt = async (): Promise<void> => {
    const admin = kafka.admin();
    const candidate = kafka.consumer({
      groupId: `${options.groupPrefix}.${hostname()}.${randomUUID()}`,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 100,
    });
    try {
      await admin.connect();
      const latest = await Promise.all(
        topics.map(async (topic) => ({ topic, offsets: await admin.fetchTopicOffsets(topic) })),
      );
      await candidate.connect();
      await candidate.subscribe({ topics: [...topics], fromBeginning: false });
      if (stopped) throw new Error('stopped while starting');
      consumer = candidate;
      candidate.on(candidate.events.CRASH, ({ payload }) => {
        // kafkajs rejoins by itself after a retriable crash; otherwise this replica serves no events.
        if (payload.restart) return;
        positioned = false;
        lastError = payload.error;
        logger.error({ err: payload.error }, 'subscription events feed stopped');
      });
      await candidate.run({
        autoCommit: false,
        eachMessage: async ({ topic, message }) => {
          let envelope: EventEnvelope;
          try {
            envelope = envelopeSchema.parse(JSON.parse(message.value?.toString() ?? '')) as EventEnvelope;
          } catch {
            options.onInvalid?.();
            logger.warn({ topic, offset: message.offset }, 'skipped a record that is not an event envelope');
            return;
          }
          await options.onEvent(topic, envelope);
        },
      });
      for (const { topic, offsets } of latest)
        for (const { partition, high } of offsets) candidate.seek({ topic, partition, offset: high });
      positioned = true;
      lastError = undefined;
      logger.info({ topics }, 'subscription events feed started');
    } catch (error) {
      await candidate.disconnect().catch(() => undefined);
      if (consumer === candidate) consumer = undefined;
      throw error;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };

  const startLoop = async (): Promise<void> => {
    if (stopped || !topics.length) return;
    try {
      await attempt();
    } catch (error) {
      lastError = error as Error;
      logger.error({ err: error, topics }, 'subscription events feed failed to start; retrying');
      retry = setTimeout(() => void startLoop(), RETRY_MS);
    }
  };

  return {
    start: startLoop,
    async stop() {
      stopped = true;
      clearTimeout(retry);
      positioned = false;
      await consumer?.disconnect().catch((error: unknown) => logger.warn({ err: error }, 'feed stop'));
    },
    readiness: () => ({
      name: 'subscription events',
      check: async () => {
        if (!topics.length) return;
        if (!positioned) throw lastError ?? new Error('not positioned on its topics yet');
      },
    }),
  };
}
