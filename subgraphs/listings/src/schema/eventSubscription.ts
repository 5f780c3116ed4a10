import { DirectiveLocation, GraphQLDirective, GraphQLList, GraphQLNonNull, GraphQLString } from 'graphql';

/**
 * The router serves subscriptions from Kafka events and resolves each event's entity through the
 * supergraph (docs/subscriptions.md). The directive binds a Subscription field to its events; it is
 * composed into the supergraph, where the router reads it.
 */
export const EVENT_SUBSCRIPTION_SPEC = 'https://homegraph.dev/subscriptions/v1.0';

export const EVENT_SUBSCRIPTION_LINK = `extend schema @link(url: "${EVENT_SUBSCRIPTION_SPEC}", import: ["@eventSubscription"]) @composeDirective(name: "@eventSubscription")`;

const string = new GraphQLNonNull(GraphQLString);

export const eventSubscriptionDirective = new GraphQLDirective({
  name: 'eventSubscription',
  description: 'Serves this Subscription field from events on a Kafka topic (read by the router)',
  locations: [DirectiveLocation.FIELD_DEFINITION],
  args: {
    topic: { type: string, description: 'The topic the events travel on' },
    events: { type: new GraphQLNonNull(new GraphQLList(string)), description: 'Event types that count' },
    entity: { type: string, description: 'The type the field returns' },
    key: { type: string, description: "Dotted path into the event envelope to the entity's key" },
    resolveWith: { type: string, description: 'The Query field that loads the entity by its key' },
    keyArg: {
      type: string,
      defaultValue: 'id',
      description: 'The argument of `resolveWith` that takes the key',
    },
    filter: {
      type: new GraphQLList(string),
      description:
        '`<argument>=<envelope path>` or `$caller.subject=<envelope path>`: an event counts only when every one holds',
    },
  },
});

/** The directive as it is written on a field, e.g. in a type-graphql `@Directive(...)`. */
export function eventSubscription(binding: {
  topic: string;
  events: string[];
  entity: string;
  key: string;
  resolveWith: string;
  keyArg?: string;
  filter?: string[];
}): string {
  const list = (values: string[]) => `[${values.map((value) => JSON.stringify(value)).join(', ')}]`;
  const args = [
    `topic: ${JSON.stringify(binding.topic)}`,
    `events: ${list(binding.events)}`,
    `entity: ${JSON.stringify(binding.entity)}`,
    `key: ${JSON.stringify(binding.key)}`,
    `resolveWith: ${JSON.stringify(binding.resolveWith)}`,
    ...(binding.keyArg ? [`keyArg: ${JSON.stringify(binding.keyArg)}`] : []),
    ...(binding.filter ? [`filter: ${list(binding.filter)}`] : []),
  ];
  return `@eventSubscription(${args.join(', ')})`;
}
