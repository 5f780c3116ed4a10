import { buildFederatedSchema, protectSchema } from '@homegraph/platform';
import type { GraphQLSchema } from 'graphql';
import type { OrgsContext } from '../context';
import { InvitationResolver, MembershipResolver } from '../resolvers/MembershipResolver';
import { MutationResolver } from '../resolvers/MutationResolver';
import { OrganizationResolver } from '../resolvers/OrganizationResolver';
import { ORGS_RULES } from './authorization';

/**
 * The orgs subgraph schema, already behind its authorization rules so it can't be served without
 * them. Needs no running dependency, so schema generation can call it.
 */
export async function buildOrgsSchema(): Promise<GraphQLSchema> {
  const schema = await buildFederatedSchema(
    { resolvers: [OrganizationResolver, MembershipResolver, InvitationResolver, MutationResolver] },
    {
      Organization: {
        __resolveReference: (reference: { id: string }, context: OrgsContext) =>
          context.loaders.organization.load(reference.id),
      },
    },
  );
  return protectSchema(schema, ORGS_RULES);
}
