import {
  Kind,
  parse,
  valueFromASTUntyped,
  type ConstDirectiveNode,
  type DocumentNode,
  type ObjectTypeDefinitionNode,
} from 'graphql';

export const EVENT_SUBSCRIPTION_SPEC_PREFIX = 'https://homegraph.dev/subscriptions/';

/** One condition an event must meet for one subscriber: a subscription argument or the caller. */
export type Filter =
  | { kind: 'argument'; argument: string; path: readonly string[] }
  | { kind: 'caller'; claim: 'subject'; path: readonly string[] };

/** How a Subscription field is served, as its `@eventSubscription` says. */
export interface EventBinding {
  field: string;
  topic: string;
  events: ReadonlySet<string>;
  entity: string;
  key: readonly string[];
  resolveWith: string;
  keyArg: string;
  filters: readonly Filter[];
}

/** What the router knows about the events behind a subscription. */
export interface Subscriber {
  variables: Readonly<Record<string, unknown>>;
  /** The signed-in user's id; undefined for anonymous callers. */
  subject: string | undefined;
}

export class BindingError extends Error {}

const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function parsePath(text: string, field: string): string[] {
  if (!PATH.test(text)) throw new BindingError(`${field}: "${text}" is not a dotted envelope path`);
  return text.split('.');
}

export function parseFilter(text: string, field: string): Filter {
  const [left, right, ...rest] = text.split('=').map((part) => part.trim());
  if (!left || !right || rest.length)
    throw new BindingError(`${field}: filter "${text}" must be <argument>=<path>`);
  if (left === '$caller.subject') return { kind: 'caller', claim: 'subject', path: parsePath(right, field) };
  if (left.startsWith('$')) throw new BindingError(`${field}: only $caller.subject can be filtered on`);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(left))
    throw new BindingError(`${field}: "${left}" is not an argument name`);
  return { kind: 'argument', argument: left, path: parsePath(right, field) };
}

/** The value at a dotted path of an event envelope (objects only, never into lists), or undefined. */
export function valueAt(envelope: unknown, path: readonly string[]): unknown {
  let value = envelope;
  for (const step of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, step))
      return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

const scalar = (value: unknown): string | undefined =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : undefined;

/**
 * Whether an event concerns a subscriber. An argument filter on an argument the subscriber left out
 * (null) doesn't narrow; a caller filter never matches an anonymous caller; a path the event doesn't
 * have never matches. Values compare as strings, so an ID argument matches a number in the payload.
 */
export function matches(binding: EventBinding, envelope: unknown, subscriber: Subscriber): boolean {
  for (const filter of binding.filters) {
    const actual = scalar(valueAt(envelope, filter.path));
    if (filter.kind === 'caller') {
      if (subscriber.subject === undefined || actual !== subscriber.subject) return false;
      continue;
    }
    const wanted = subscriber.variables[filter.argument];
    if (wanted === undefined || wanted === null) continue;
    if (actual === undefined || actual !== scalar(wanted)) return false;
  }
  return true;
}

/** The key an event yields for its entity, or undefined when it has none. */
export function keyOf(binding: EventBinding, envelope: unknown): string | undefined {
  return scalar(valueAt(envelope, binding.key));
}

/** The name the supergraph's @link imports the directive as (it may be renamed with `as`). */
function directiveName(document: DocumentNode): string | undefined {
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'link') continue;
      const args = Object.fromEntries(
        (directive.arguments ?? []).map((arg) => [arg.name.value, valueFromASTUntyped(arg.value)]),
      ) as { url?: unknown; import?: unknown };
      if (typeof args.url !== 'string' || !args.url.startsWith(EVENT_SUBSCRIPTION_SPEC_PREFIX)) continue;
      for (const imported of Array.isArray(args.import) ? (args.import as unknown[]) : []) {
        if (imported === '@eventSubscription') return 'eventSubscription';
        if (
          imported &&
          typeof imported === 'object' &&
          (imported as { name?: unknown }).name === '@eventSubscription'
        ) {
          const alias = (imported as { as?: unknown }).as;
          return typeof alias === 'string' ? alias.replace(/^@/, '') : 'eventSubscription';
        }
      }
    }
  }
  return undefined;
}

function subscriptionTypeName(document: DocumentNode): string {
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION) continue;
    const root = definition.operationTypes.find((type) => type.operation === 'subscription');
    if (root) return root.type.name.value;
  }
  return 'Subscription';
}

function bindingOf(field: string, directive: ConstDirectiveNode): EventBinding {
  const args = Object.fromEntries(
    (directive.arguments ?? []).map((arg) => [arg.name.value, valueFromASTUntyped(arg.value)]),
  );
  const text = (name: string, fallback?: string): string => {
    const value = args[name] ?? fallback;
    if (typeof value !== 'string' || !value) throw new BindingError(`${field}: ${name} must be a string`);
    return value;
  };
  const list = (name: string): string[] => {
    const value = args[name] ?? [];
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
      throw new BindingError(`${field}: ${name} must be a list of strings`);
    return value as string[];
  };
  const events = list('events');
  if (!events.length) throw new BindingError(`${field}: events must name at least one event type`);
  return {
    field,
    topic: text('topic'),
    events: new Set(events),
    entity: text('entity'),
    key: parsePath(text('key'), field),
    resolveWith: text('resolveWith'),
    keyArg: text('keyArg', 'id'),
    filters: list('filter').map((filter) => parseFilter(filter, field)),
  };
}

/**
 * The bindings of a supergraph's Subscription fields, by field name. A binding that can't be read
 * throws, so a broken supergraph is refused as a whole instead of serving some fields wrongly.
 */
export function readBindings(supergraphSdl: string): Map<string, EventBinding> {
  const document = parse(supergraphSdl, { noLocation: true });
  const bindings = new Map<string, EventBinding>();
  const name = directiveName(document);
  if (!name) return bindings;
  const typeName = subscriptionTypeName(document);
  for (const definition of document.definitions) {
    if (
      (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) ||
      definition.name.value !== typeName
    )
      continue;
    for (const field of (definition as ObjectTypeDefinitionNode).fields ?? []) {
      const directive = field.directives?.find((candidate) => candidate.name.value === name);
      if (directive) bindings.set(field.name.value, bindingOf(field.name.value, directive));
    }
  }
  return bindings;
}
