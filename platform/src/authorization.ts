import type { GraphQLSchema } from 'graphql';
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
  const merged = { ...FEDERATION_RULES, ...(rules as Record<string, unknown>) } as Record<string, unknown>;
  merged['Query'] = { ...FEDERATION_RULES.Query, ...((rules as Record<string, object>)['Query'] ?? {}) };
  const permissions = shield(merged as IRules, {
    fallbackRule: deny,
    allowExternalErrors: true,
    fallbackError: () => new AppError('FORBIDDEN', 'not allowed'),
  });
  return applyMiddleware(schema, permissions);
}

/** The rule combinators services write their permissions with. */
export { allow, and, deny, not, or, rule, type IRules } from 'graphql-shield';
