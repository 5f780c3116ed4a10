import type { Logger } from 'pino';
import { ConfigError, type BaseEnvironment } from './config';
import { createLogger } from './logger';
import { createMetrics, type Metrics } from './metrics';
import { createShutdown, type Shutdown } from './shutdown';
import { startTracing } from './tracing';

/**
 * Runs a service's `main`. A bad configuration prints every problem and exits 2; any other start-up
 * failure exits 1. Nothing is swallowed.
 */
export function runMain(service: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${service}: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(
      `${service}: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}

export interface ServiceKit {
  logger: Logger;
  metrics: Metrics;
  shutdown: Shutdown;
}

/**
 * What every service builds first, in the same order: logger, tracing, metrics, shutdown. Tracing
 * is stopped last on shutdown so the spans of everything else are flushed.
 */
export function createServiceKit(service: string, env: BaseEnvironment): ServiceKit {
  const logger = createLogger({ service, level: env.LOG_LEVEL });
  const tracing = startTracing({
    service,
    endpoint: env.OTEL_ENABLED ? env.OTEL_EXPORTER_OTLP_ENDPOINT : undefined,
  });
  const metrics = createMetrics(service);
  const shutdown = createShutdown(logger, env.SHUTDOWN_TIMEOUT_MS);
  shutdown.register('tracing', () => tracing.shutdown());
  shutdown.installSignalHandlers();
  return { logger, metrics, shutdown };
}
