import {
  allow,
  authenticated,
  buildFederatedSchema,
  hasRole,
  isSignedIn,
  or,
  protectSchema,
  rule,
  type IRules,
} from '@homegraph/platform';
import type { GraphQLSchema } from 'graphql';
import type { UsersContext } from '../context';
import { SessionResolver } from '../resolvers/SessionResolver';
import { UserResolver } from '../resolvers/UserResolver';
import { SESSION_OWNER, type User } from './user';

/** The user is the caller (or just proved to be, in a session payload): their account is theirs to read. */
const isSelf = rule({ cache: 'no_cache' })(
  (user: User & { [SESSION_OWNER]?: boolean }, _args, { caller }: UsersContext) =>
    user[SESSION_OWNER] === true || (isSignedIn(caller) && user.id === caller.subject),
);

/** Who may do what; anything not listed is refused (protectSchema denies by default). */
export const permissions: IRules = {
  Query: { me: authenticated },
  Mutation: {
    register: allow,
    login: allow,
    refreshSession: allow,
    logout: allow,
    requestPasswordReset: allow,
    resetPassword: allow,
    verifyEmail: allow,
    changePassword: authenticated,
    requestEmailVerification: authenticated,
    setUserRoles: hasRole('ADMIN'),
  },
  User: {
    id: allow,
    displayName: allow,
    createdAt: allow,
    email: or(isSelf, hasRole('ADMIN')),
    emailVerified: or(isSelf, hasRole('ADMIN')),
    roles: or(isSelf, hasRole('ADMIN')),
  },
  SessionPayload: allow,
  LogoutPayload: allow,
  RequestAcceptedPayload: allow,
  UserPayload: allow,
};

/** The users subgraph schema. Needs no running dependency, so schema generation can call it. */
export async function buildUsersSchema(): Promise<GraphQLSchema> {
  const schema = await buildFederatedSchema(
    { resolvers: [SessionResolver, UserResolver] },
    {
      User: {
        __resolveReference: (reference: { id: string }, context: UsersContext) =>
          context.users.load(reference.id),
      },
    },
  );
  return protectSchema(schema, permissions);
}
