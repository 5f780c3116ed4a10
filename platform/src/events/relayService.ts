import type { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { createIdempotentProducer } from '../kafka';
import type { ServiceKit } from '../service';
import { OutboxRelay } from './outbox';

export interface ServiceRelayOptions {
  /** The service's name: one relay per service database is active at a time. */
  name: string;
  databaseUrl: string;
  kafka: Kafka;
  kit: ServiceKit;
}

/**
 * Runs the outbox relay of a service's own database beside its API, with its own small pool (the
 * relay holds one session for its advisory lock). Stopped on shutdown after the HTTP server, so
 * events committed by the last requests still go out.
 */
export async function startServiceRelay({
  name,
  databaseUrl,
  kafka,
  kit,
}: ServiceRelayOptions): Promise<OutboxRelay> {
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  pool.on('error', (error) => kit.logger.warn({ err: error }, 'outbox relay connection error'));
  const producer = createIdempotentProducer(kafka);
  const relay = new OutboxRelay({ pool, producer, logger: kit.logger, registry: kit.metrics.registry, name });
  kit.shutdown.register('outbox relay', async () => {
    await relay.stop();
    await producer.disconnect();
    await pool.end();
  });
  relay.start();
  return relay;
}
