import { isObjectType, type GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { allow, deny, rule, shield, type IRule, type IRules } from 'graphql-shield';
import type { CallerIdentity } from './auth/internal';
import { AppError } from './errors';

/** Platform roles, carried in access tokens and forwarded by the router. */
export const ROLES = ['USER', 'AGENT', 'MODERATOR', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

export const ANONYMOUS = 'anonymous';

interface WithCaller {
  caller: CallerIdentity;
}

export const isSignedIn = (caller: CallerIdentity): boolean => caller.subject !== ANONYMOUS;

/** A shield rule: the caller is a signed-in user. Anonymous callers get UNAUTHENTICATED. */
export const authenticated: IRule = rule({ cache: 'contextual' })(
  (_parent, _args, { caller }: WithCaller) =>
    isSignedIn(caller) || new AppError('UNAUTHENTICATED', 'sign in to do this'),
);

const roleRules = new Map<string, IRule>();

/** A shield rule: the signed-in caller holds one of `roles`. One instance per role set, as shield requires. */
export function hasRole(...roles: Role[]): IRule {
  const name = `hasRole:${[...roles].sort().join(',')}`;
  let roleRule = roleRules.get(name);
  if (!roleRule) {
    roleRule = rule(name, { cache: 'contextual' })((_parent, _args, { caller }: WithCaller) => {
      if (!isSignedIn(caller)) return new AppError('UNAUTHENTICATED', 'sign in to do this');
      return (
        roles.some((role) => caller.roles.includes(role)) ||
        new AppError('FORBIDDEN', `requires one of the roles ${roles.join(', ')}`)
      );
    });
    roleRules.set(name, roleRule);
  }
  return roleRule;
}

/** Fields every federated subgraph serves to the router, whoever the caller. */
const FEDERATION_RULES = {
  Query: { _service: allow, _entities: allow },
  _Service: allow,
};

/**
 * Wraps a subgraph schema with graphql-shield, denying by default: a field without a rule answers
 * FORBIDDEN. `rules` lists what is allowed, type by type (`'*'` for every field of a type). Errors
 * raised by resolvers pass through unchanged, so their codes reach the client.
 */
export function protectSchema(schema: GraphQLSchema, rules: IRules): GraphQLSchema {
  const given = rules as Record<string, Record<string, unknown>>;
  const federated = schema.getType('_Service') !== undefined;
  const merged: Record<string, unknown> = federated
    ? { ...FEDERATION_RULES, ...given, Query: { ...FEDERATION_RULES.Query, ...(given['Query'] ?? {}) } }
    : { ...given };
  const permissions = shield(merged as IRules, {
    fallbackRule: deny,
    allowExternalErrors: true,
    fallbackError: () => new AppError('FORBIDDEN', 'not allowed'),
  });
  return unwrapAllowedFields(schema, applyMiddleware(schema, permissions), merged);
}

/**
 * Shield turns every field into an asynchronous rule check, even where the rule is `allow`: on a page
 * of entities that is most of a subgraph's CPU. A field whose rule is `allow` gets its own resolver
 * back, which behaves exactly the same (allow always passes; errors pass through either way).
 */
function unwrapAllowedFields(
  original: GraphQLSchema,
  protectedSchema: GraphQLSchema,
  rules: Record<string, unknown>,
): GraphQLSchema {
  for (const [typeName, typeRule] of Object.entries(rules)) {
    const before = original.getType(typeName);
    const after = protectedSchema.getType(typeName);
    if (!isObjectType(before) || !isObjectType(after)) continue;
    // A rule has a resolve method; a map of rules by field name doesn't.
    const isRuleMap =
      typeof typeRule === 'object' &&
      typeRule !== null &&
      typeof (typeRule as { resolve?: unknown }).resolve !== 'function';
    const originalFields = before.getFields();
    for (const [fieldName, field] of Object.entries(after.getFields())) {
      const fieldRule = isRuleMap
        ? ((typeRule as Record<string, unknown>)[fieldName] ?? (typeRule as Record<string, unknown>)['*'])
        : typeRule;
      if (fieldRule === allow) field.resolve = originalFields[fieldName]?.resolve;
    }
  }
  return protectedSchema;
}

/** The rule combinators services write their permissions with. */
export { allow, and, deny, not, or, rule, type IRules } from 'graphql-shield';
