import { allow, AppError, authenticated, isSignedIn, rule, type IRules } from '@homegraph/platform';
import type { OrgsContext } from '../context';
import type { Organization } from './types';

/**
 * The caller belongs to the organization in hand. Reads the same per-request loader as the members
 * resolver, so checking costs no query of its own and stays batched across organizations.
 */
const isMemberOfOrganization = rule({ cache: 'strict' })(async (
  organization: Organization,
  _args,
  { caller, loaders }: OrgsContext,
) => {
  if (!isSignedIn(caller)) return new AppError('UNAUTHENTICATED', 'sign in to see the members');
  const members = await loaders.members.load(organization.id);
  return (
    members.some((member) => member.user.id === caller.subject) ||
    new AppError('FORBIDDEN', 'only members of this organization can see its members')
  );
});

/**
 * What each caller may read or do. Anything not listed is denied. Whether the caller may change a
 * given organization depends on their role in it, so the service checks that inside its transaction.
 */
export const ORGS_RULES: IRules = {
  Query: {
    organization: allow,
    myOrganizations: authenticated,
  },
  Mutation: {
    createOrganization: authenticated,
    inviteMember: authenticated,
    acceptInvitation: authenticated,
    declineInvitation: authenticated,
    removeMember: authenticated,
  },
  Organization: {
    id: allow,
    name: allow,
    createdAt: allow,
    members: isMemberOfOrganization,
  },
  // Reachable only through members (guarded above) or a payload of the caller's own mutation.
  Membership: allow,
  Invitation: allow,
  User: allow,
  CreateOrganizationPayload: allow,
  InviteMemberPayload: allow,
  AcceptInvitationPayload: allow,
  DeclineInvitationPayload: allow,
  RemoveMemberPayload: allow,
};
