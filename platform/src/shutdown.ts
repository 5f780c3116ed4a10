import type { Logger } from 'pino';

export interface Shutdown {
  /** Registers a step; steps run in reverse order of registration (last started, first stopped). */
  register(name: string, step: () => Promise<void> | void): void;
  /** Runs every step once; later calls return the same promise. */
  run(reason: string): Promise<void>;
  /** Calls `run` on SIGTERM and SIGINT, then exits: 0 when every step finished, 1 otherwise. */
  installSignalHandlers(): void;
}

export function createShutdown(logger: Logger, timeoutMs: number): Shutdown {
  const steps: { name: string; step: () => Promise<void> | void }[] = [];
  let running: Promise<void> | undefined;
  let failed = false;

  const runSteps = async (reason: string) => {
    logger.info({ reason }, 'shutting down');
    for (const { name, step } of [...steps].reverse()) {
      try {
        await step();
        logger.debug({ step: name }, 'shutdown step done');
      } catch (error) {
        failed = true;
        logger.error({ err: error, step: name }, 'shutdown step failed');
      }
    }
  };

  const shutdown: Shutdown = {
    register(name, step) {
      steps.push({ name, step });
    },
    run(reason) {
      running ??= runSteps(reason);
      return running;
    },
    installSignalHandlers() {
      const onSignal = (signal: NodeJS.Signals) => {
        const timer = setTimeout(() => {
          logger.error({ timeoutMs }, 'shutdown timed out; exiting');
          process.exit(1);
        }, timeoutMs);
        timer.unref();
        void shutdown.run(signal).then(() => process.exit(failed ? 1 : 0));
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
    },
  };
  return shutdown;
}
