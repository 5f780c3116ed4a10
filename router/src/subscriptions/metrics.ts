import { Counter, Gauge, type Registry } from 'prom-client';

/** The subscription server's metrics, in the router's registry (none in unit tests that pass no registry). */
export function subscriptionMetrics(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  return {
    active: new Gauge({
      name: 'graphql_subscriptions_active',
      help: 'Subscriptions being served by this router process',
      registers,
    }),
    sockets: new Gauge({
      name: 'graphql_subscription_sockets_open',
      help: 'graphql-ws sockets open on this router process',
      registers,
    }),
    events: new Counter({
      name: 'graphql_subscription_events_total',
      help: 'Events read from the subscription topics, by whether any subscriber wanted them',
      labelNames: ['outcome'],
      registers,
    }),
    resolutions: new Counter({
      name: 'graphql_subscription_resolutions_total',
      help: 'Entity queries run for events (one per distinct query, variables, key and caller)',
      registers,
    }),
    deliveries: new Counter({
      name: 'graphql_subscription_deliveries_total',
      help: 'Results handed to subscribers, or withheld because the caller may not see the entity',
      labelNames: ['outcome'],
      registers,
    }),
    closes: new Counter({
      name: 'graphql_subscription_sockets_closed_total',
      help: 'Sockets the router closed, by reason',
      labelNames: ['reason'],
      registers,
    }),
    schemaChanged: new Counter({
      name: 'graphql_subscriptions_schema_changed_total',
      help: 'Subscriptions ended because a supergraph reload no longer serves them as they were, by reason',
      labelNames: ['reason'],
      registers,
    }),
  };
}
