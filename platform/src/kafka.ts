import {
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type KafkaConfig,
  type LogEntry,
  type Producer,
} from 'kafkajs';
import type { Logger } from 'pino';
import type { ReadinessCheck } from './health';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Bridges kafkajs's own logging into the service's pino logger. */
export function kafkaLogCreator(logger: Logger) {
  const child = logger.child({ component: 'kafka' });
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      child[LEVELS[level] ?? 'info'](extra, message);
    };
}

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  logger: Logger;
  connectionTimeoutMs?: number;
}

export function createKafka({
  brokers,
  clientId,
  logger,
  connectionTimeoutMs = 3_000,
}: KafkaSettings): Kafka {
  const config: KafkaConfig = {
    brokers,
    clientId,
    connectionTimeout: connectionTimeoutMs,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
  };
  return new Kafka(config);
}

/**
 * The producer every platform path uses (outbox relays, retries, dead letters, replays): idempotent,
 * one request in flight so retries can't reorder, and never asking the broker to create a topic.
 * Send with `acks: -1`.
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // The murmur2 partitioner of the Java client, named explicitly (which also silences kafkajs's warning).
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

/**
 * A readiness check that asks the cluster for its metadata. It keeps one admin connection and
 * reconnects after failures, so a restarted broker turns the service ready again by itself.
 */
export function kafkaReadiness(kafka: Kafka): ReadinessCheck & { close(): Promise<void> } {
  let admin: Admin | undefined;
  return {
    name: 'kafka',
    timeoutMs: 3_000,
    async check() {
      admin ??= kafka.admin({ retry: { retries: 0 } });
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        if (cluster.brokers.length === 0) throw new Error('no brokers in cluster metadata');
      } catch (error) {
        const stale = admin;
        admin = undefined;
        await stale.disconnect().catch(() => undefined);
        throw error;
      }
    },
    async close() {
      await admin?.disconnect();
    },
  };
}

/**
 * A service's Kafka client with its readiness check, closed on shutdown: what every service that
 * produces or consumes events builds first.
 */
export function connectServiceKafka(
  kit: { logger: Logger; shutdown: { register(name: string, step: () => Promise<void> | void): void } },
  clientId: string,
  brokers: string[],
): { kafka: Kafka; readiness: ReadinessCheck } {
  const kafka = createKafka({ brokers, clientId, logger: kit.logger });
  const readiness = kafkaReadiness(kafka);
  kit.shutdown.register('kafka', () => readiness.close());
  return { kafka, readiness };
}
