import {
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  validate,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import type { EventBinding } from './bindings';
import { rewriteSubscription, RewriteError, type EntityQuery } from './rewrite';

/** The error code a subscription ends with when a supergraph reload no longer serves it as it was. */
export const SCHEMA_CHANGED = 'SUBSCRIPTION_SCHEMA_CHANGED';

/** What the router serves now: the gateway's API schema and the bindings of the same supergraph. */
export interface ServedSchema {
  apiSchema: GraphQLSchema;
  bindings: ReadonlyMap<string, EventBinding>;
}

/** A subscription as its client sent it, kept so it can be checked again against a new supergraph. */
export interface SubscriptionSource {
  document: DocumentNode;
  operationName: string | undefined;
  variables: Readonly<Record<string, unknown>>;
  /** The Subscription field it selects. */
  field: string;
  binding: EventBinding;
}

export type EndReason = 'field_removed' | 'binding_removed' | 'binding_changed' | 'operation_invalid';

export type Recheck =
  | {
      keep: true;
      /** Rewritten against the new schema: the loader's key type may have changed while its name didn't. */
      query: EntityQuery;
      arguments: Record<string, unknown>;
    }
  | { keep: false; reason: EndReason; message: string };

const sameFilters = (a: EventBinding['filters'], b: EventBinding['filters']) =>
  a.length === b.length && a.every((filter, index) => JSON.stringify(filter) === JSON.stringify(b[index]));

/** Whether two bindings select, key and load events identically (the field name aside). */
export function sameBinding(a: EventBinding, b: EventBinding): boolean {
  return (
    a.topic === b.topic &&
    a.events.size === b.events.size &&
    [...a.events].every((type) => b.events.has(type)) &&
    a.entity === b.entity &&
    a.key.join('.') === b.key.join('.') &&
    a.resolveWith === b.resolveWith &&
    a.keyArg === b.keyArg &&
    sameFilters(a.filters, b.filters)
  );
}

const end = (reason: EndReason, detail: string): Recheck => ({
  keep: false,
  reason,
  message: `The schema changed: ${detail}. Subscribe again.`,
});

/**
 * Whether a live subscription may go on under a new supergraph. It goes on only when its operation
 * still validates and its field is bound exactly as before, so the events it receives and what they
 * mean are unchanged; anything else ends it, since delivering under other rules would mis-serve it
 * and dropping it quietly would leave the client waiting for events that never come.
 */
export function recheckSubscription(source: SubscriptionSource, next: ServedSchema): Recheck {
  const { apiSchema, bindings } = next;
  const { field } = source;
  if (!apiSchema.getSubscriptionType()?.getFields()[field])
    return end('field_removed', `Subscription.${field} was removed`);
  const binding = bindings.get(field);
  if (!binding) return end('binding_removed', `Subscription.${field} is no longer bound to events`);
  if (!sameBinding(source.binding, binding))
    return end('binding_changed', `the events behind Subscription.${field} changed`);
  const invalid = validate(apiSchema, source.document);
  if (invalid.length)
    return end('operation_invalid', `the subscription no longer validates (${invalid[0]!.message})`);
  const operation = getOperationAST(source.document, source.operationName);
  const root = operation?.selectionSet.selections[0];
  const fieldDef = apiSchema.getSubscriptionType()!.getFields()[field]!;
  if (!operation || root?.kind !== Kind.FIELD)
    return end('operation_invalid', 'the subscription no longer validates');
  const coerced = getVariableValues(apiSchema, operation.variableDefinitions ?? [], source.variables);
  if (coerced.errors)
    return end('operation_invalid', `its variables no longer validate (${coerced.errors[0]!.message})`);
  try {
    const query = rewriteSubscription(
      source.document,
      source.operationName,
      source.variables,
      binding,
      apiSchema,
    );
    return { keep: true, query, arguments: getArgumentValues(fieldDef, root, coerced.coerced) };
  } catch (error) {
    if (error instanceof RewriteError || error instanceof GraphQLError)
      return end('operation_invalid', error.message);
    throw error;
  }
}
