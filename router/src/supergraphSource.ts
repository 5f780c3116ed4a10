import type { SupergraphSdlHook } from '@apollo/gateway';
import { Supergraph } from '@apollo/federation-internals';
import { unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Logger } from '@homegraph/platform';

export interface SupergraphSource {
  /** For ApolloGateway's `supergraphSdl`. */
  hook: SupergraphSdlHook;
  /** The supergraph being served now. */
  current(): string;
}

/**
 * Serves the supergraph file and swaps in a new one when the file changes, without a restart. A file
 * that isn't a valid supergraph is refused and logged; the previous one keeps serving.
 */
export function watchSupergraphFile(path: string, pollMs: number, logger: Logger): SupergraphSource {
  let current = '';
  const hook: SupergraphSdlHook = async ({ update }) => {
    current = await readFile(path, 'utf8');
    const onChange = async () => {
      const next = await readFile(path, 'utf8').catch(() => undefined);
      if (next === undefined || next === current) return;
      try {
        Supergraph.build(next);
        update(next);
        current = next;
        logger.info({ path }, 'supergraph reloaded');
      } catch (error) {
        logger.error({ err: error, path }, 'supergraph file refused; still serving the previous one');
      }
    };
    watchFile(path, { interval: pollMs }, () => void onChange());
    return { supergraphSdl: current, cleanup: async () => unwatchFile(path) };
  };
  return { hook, current: () => current };
}
