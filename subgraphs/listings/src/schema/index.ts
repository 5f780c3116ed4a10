import { buildFederatedSchema } from '@homegraph/platform';
import type { GraphQLSchema } from 'graphql';
import type { ListingsContext } from '../context';
import { ListingResolver } from '../resolvers/ListingResolver';

/** The listings subgraph schema. Needs no running dependency, so schema generation can call it. */
export function buildListingsSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [ListingResolver] },
    {
      Listing: {
        __resolveReference: (reference: { id: string }, context: ListingsContext) =>
          context.listings.findById(reference.id),
      },
    },
  );
}
