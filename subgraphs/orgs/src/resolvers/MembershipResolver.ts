import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { OrgsContext } from '../context';
import { Invitation, Membership, Organization } from '../schema/types';

async function organizationOf(loaders: OrgsContext['loaders'], id: string): Promise<Organization> {
  const organization = await loaders.organization.load(id);
  // Memberships and invitations are deleted with their organization: a miss is a broken invariant.
  if (!organization) throw new Error(`organization ${id} is missing`);
  return organization;
}

@Resolver(() => Membership)
export class MembershipResolver {
  @FieldResolver(() => Organization)
  organization(@Root() membership: Membership, @Ctx() { loaders }: OrgsContext): Promise<Organization> {
    return organizationOf(loaders, membership.organizationId);
  }
}

@Resolver(() => Invitation)
export class InvitationResolver {
  @FieldResolver(() => Organization)
  organization(@Root() invitation: Invitation, @Ctx() { loaders }: OrgsContext): Promise<Organization> {
    return organizationOf(loaders, invitation.organizationId);
  }
}
