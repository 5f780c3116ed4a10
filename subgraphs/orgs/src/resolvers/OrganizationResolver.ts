import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { OrgsContext } from '../context';
import * as valid from '../domain/validation';
import { Membership, Organization } from '../schema/types';

@Resolver(() => Organization)
export class OrganizationResolver {
  @Query(() => Organization, { nullable: true, description: 'One organization by its id' })
  organization(
    @Arg('id', () => ID) id: string,
    @Ctx() { loaders }: OrgsContext,
  ): Promise<Organization | null> {
    return loaders.organization.load(valid.uuid(id, 'id'));
  }

  @Query(() => [Organization], { description: 'The organizations the signed-in caller belongs to, by name' })
  async myOrganizations(@Ctx() { caller, organizations, loaders }: OrgsContext): Promise<Organization[]> {
    const found = await organizations.organizationsOf(caller.subject);
    for (const organization of found) loaders.organization.prime(organization.id, organization);
    return found;
  }

  @FieldResolver(() => [Membership], { description: 'Visible to members of the organization only' })
  members(@Root() organization: Organization, @Ctx() { loaders }: OrgsContext): Promise<Membership[]> {
    return loaders.members.load(organization.id);
  }
}
