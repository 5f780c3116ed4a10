import { AppError, type Logger } from '@homegraph/platform';
import type { Fetcher, FetcherRequestInit } from '@apollo/utils.fetcher';
import { Counter, type Registry } from 'prom-client';
import { Agent, type Dispatcher } from 'undici';
import { createQueryClassifier } from './operationKind';
import { BufferedResponse, headerMapOf, type HeaderMap } from './subgraphResponse';

export interface SubgraphFetcher {
  fetcher: Fetcher;
  close(): Promise<void>;
}

export interface SubgraphFetcherSettings {
  timeoutMs: number;
  /** Identical queries in flight at the same time share one subgraph request. */
  dedupeInflight: boolean;
  /** Where the count of merged requests is registered; none in tests that don't look at it. */
  registry?: Registry;
}

/** A subgraph's whole answer, read once and shared by every caller of a merged request. */
interface Answer {
  status: number;
  statusText: string;
  headers: HeaderMap;
  body: Buffer;
}

/**
 * Headers that differ on every request while asking for the same thing: leaving them out of the
 * merge key is what lets identical queries merge. A merged request carries the first caller's.
 */
const PER_REQUEST_HEADERS = new Set(['x-request-id', 'traceparent', 'tracestate']);

/**
 * Two requests merge only when nothing the subgraph could answer differently on differs: the URL,
 * the body, and every header but the per-request ones (the `authorization` token says who is asking).
 */
function mergeKey(url: string, init: FetcherRequestInit, body: string): string {
  let key = `${init.method ?? 'POST'} ${url}\n`;
  for (const [name, value] of Object.entries(init.headers ?? {})) {
    if (!PER_REQUEST_HEADERS.has(name.toLowerCase())) key += `${name}: ${value}\n`;
  }
  return `${key}\n${body}`;
}

const unavailable = () =>
  new AppError('SERVICE_UNAVAILABLE', 'A service behind the router is unavailable; retry later.');

/**
 * Subgraph requests over pooled keep-alive connections, each bounded by `timeoutMs`. The gateway's
 * default fetcher opens connections far more often, and `fetch()` (redirects, web streams, a timeout
 * signal per call) costs the router more CPU than anything else it does; undici's `request()` reads
 * the answer straight into one buffer. A subgraph that fails or doesn't answer in time yields
 * SERVICE_UNAVAILABLE, never a hang or a leak of its address.
 *
 * With `dedupeInflight`, a query identical to one already in flight waits for that one's answer
 * instead of asking again: under load many callers ask the same, and the subgraph's work is most of
 * the cost. Only queries merge; anything else (mutations, bodies that can't be classified) never does,
 * and when one completes no later query joins a request that started before it, so a caller reads
 * its own writes.
 */
export function createSubgraphFetcher(settings: SubgraphFetcherSettings, logger: Logger): SubgraphFetcher {
  const { timeoutMs } = settings;
  const agent = new Agent({
    connections: 128,
    keepAliveTimeout: 30_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const targets = new Map<string, { origin: string; path: string }>();
  const targetOf = (url: string) => {
    let target = targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
      // Subgraph URLs are few; the bound only guards against a caller passing arbitrary ones.
      if (targets.size >= 100) targets.clear();
      targets.set(url, target);
    }
    return target;
  };

  /** Never rejects: a failure is logged once here and is `undefined` for every caller. */
  const ask = async (url: string, init: FetcherRequestInit | undefined): Promise<Answer | undefined> => {
    // The headers and body timeouts of the agent don't count the wait for a pooled connection, nor a
    // body that trickles in; this bounds the whole exchange.
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new Error(`no complete answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      const { origin, path } = targetOf(url);
      const response = await agent.request({
        origin,
        path,
        method: (init?.method ?? 'POST') as Dispatcher.HttpMethod,
        headers: init?.headers ?? {},
        body: init?.body ?? null,
        signal: deadline.signal,
      });
      const bytes = await response.body.bytes();
      return {
        status: response.statusCode,
        statusText: response.statusText ?? '',
        headers: headerMapOf(response.headers),
        body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      };
    } catch (error) {
      logger.warn({ err: error, url }, 'subgraph request failed');
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  };

  const isQuery = createQueryClassifier();
  const inflight = new Map<string, Promise<Answer | undefined>>();
  const merged = settings.registry
    ? new Counter({
        name: 'graphql_subgraph_requests_merged_total',
        help: 'Subgraph requests not sent because an identical query was in flight, whose answer they shared',
        registers: [settings.registry],
      })
    : undefined;

  const answerOf = (url: string, init: FetcherRequestInit | undefined): Promise<Answer | undefined> => {
    if (!settings.dedupeInflight) return ask(url, init);
    const body = init?.body;
    if (typeof body === 'string' && init) {
      const key = mergeKey(url, init, body);
      const pending = inflight.get(key);
      if (pending) {
        merged?.inc();
        return pending;
      }
      if (isQuery(body)) {
        const asked = ask(url, init);
        inflight.set(key, asked);
        void asked.then(() => {
          if (inflight.get(key) === asked) inflight.delete(key);
        });
        return asked;
      }
    }
    const asked = ask(url, init);
    // Whatever it changed, queries asked from now on must see it: none joins an older request.
    void asked.then(() => inflight.clear());
    return asked;
  };

  const fetcher: Fetcher = async (url, init) => {
    const answer = await answerOf(url, init);
    if (!answer) throw unavailable();
    return new BufferedResponse(url, answer.status, answer.statusText, answer.headers, answer.body);
  };
  return { fetcher, close: () => agent.close() };
}
