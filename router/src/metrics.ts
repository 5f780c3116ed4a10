import type { ApolloServerPlugin } from '@apollo/server';
import { LATENCY_BUCKETS, type Metrics } from '@homegraph/platform';
import type { Fetcher } from '@apollo/utils.fetcher';
import { Histogram } from 'prom-client';
import type { RouterContext } from './caller';

export interface RouterMetrics {
  operationDuration: Histogram<'operation_name' | 'operation_type' | 'outcome'>;
  subgraphFetchDuration: Histogram<'subgraph' | 'outcome'>;
}

/** Distinct operation names labelled before the rest are counted as `other`. */
const MAX_OPERATION_NAMES = 500;

export function createRouterMetrics({ registry }: Metrics): RouterMetrics {
  return {
    operationDuration: new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'Duration of GraphQL operations served by the router, by operation and outcome',
      labelNames: ['operation_name', 'operation_type', 'outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    subgraphFetchDuration: new Histogram({
      name: 'graphql_subgraph_fetch_duration_seconds',
      help: 'Duration of the router requests to subgraphs, by subgraph and outcome',
      labelNames: ['subgraph', 'outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
  };
}

/**
 * Operation names come from clients: past a bound, new ones share one label so a client can't grow
 * the metrics without limit.
 */
function boundedNames(max: number) {
  const seen = new Set<string>();
  return (name: string): string => {
    if (seen.has(name)) return name;
    if (seen.size >= max) return 'other';
    seen.add(name);
    return name;
  };
}

/**
 * Outcome `success` (no errors), `error` (executed, with errors) or `refused` (never executed: parse,
 * validation, limits, safelist, unknown persisted query).
 */
export function operationMetricsPlugin(metrics: RouterMetrics): ApolloServerPlugin<RouterContext> {
  const label = boundedNames(MAX_OPERATION_NAMES);
  return {
    async requestDidStart({ contextValue }) {
      const stop = metrics.operationDuration.startTimer();
      return {
        async willSendResponse({ response, operation, operationName }) {
          const result =
            response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
          const outcome = !result.errors?.length ? 'success' : 'data' in result ? 'error' : 'refused';
          stop({
            operation_name: operation ? label(operationName ?? 'anonymous') : 'none',
            // An event resolved for subscribers is not a client's query: kept apart from them.
            operation_type: contextValue.subscriptionEvent
              ? 'subscription_event'
              : (operation?.operation ?? 'none'),
            outcome,
          });
        },
      };
    },
  };
}

/** Times every request to one subgraph; `http_<status>` for an answer that is not 2xx. */
export function instrumentedFetcher(fetcher: Fetcher, subgraph: string, metrics: RouterMetrics): Fetcher {
  return async (url, init) => {
    const stop = metrics.subgraphFetchDuration.startTimer({ subgraph });
    try {
      const response = await fetcher(url, init);
      stop({ outcome: response.ok ? 'success' : `http_${response.status}` });
      return response;
    } catch (error) {
      stop({ outcome: 'unavailable' });
      throw error;
    }
  };
}
