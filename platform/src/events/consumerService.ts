import type { Kafka } from 'kafkajs';
import type { ServiceKit } from '../service';
import { ConsumerRuntime, type ConsumerRuntimeOptions } from './consumer';
import type { EventCatalog } from './contracts';
import type { IdempotencyStore } from './idempotency';
import { loadTopicCatalog } from './topics';

export interface ServiceConsumerOptions<Tx> {
  /** The consumer group, as declared in the topic catalog: its topics and retry delays come from there. */
  group: string;
  catalogPath: string;
  events: EventCatalog;
  kafka: Kafka;
  kit: ServiceKit;
  idempotency: IdempotencyStore<Tx>;
  handlers: ConsumerRuntimeOptions<Tx>['handlers'];
  groupIdSuffix?: string;
}

/**
 * Runs a service's consumer group beside its API, configured from the topic catalog, and stops it on
 * shutdown after the HTTP server. Start-up waits for the broker: a consumer that silently isn't
 * consuming is worse than a service that fails to start and is restarted.
 */
export async function startServiceConsumer<Tx>(
  options: ServiceConsumerOptions<Tx>,
): Promise<ConsumerRuntime<Tx>> {
  const catalog = await loadTopicCatalog(options.catalogPath);
  const settings = catalog.consumerGroups[options.group];
  if (!settings) throw new Error(`consumer group ${options.group} is not in ${options.catalogPath}`);
  const runtime = new ConsumerRuntime<Tx>({
    kafka: options.kafka,
    group: options.group,
    topics: settings.consumes,
    catalog: options.events,
    handlers: options.handlers,
    idempotency: options.idempotency,
    retryDelaysMs: settings.retryDelaysMs,
    logger: options.kit.logger,
    registry: options.kit.metrics.registry,
    maxWaitTimeMs: 1_000,
    groupIdSuffix: options.groupIdSuffix,
  });
  options.kit.shutdown.register(`consumer ${options.group}`, () => runtime.stop());
  await runtime.start();
  return runtime;
}
