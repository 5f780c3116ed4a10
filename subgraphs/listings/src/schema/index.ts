import { allow, authenticated, buildFederatedSchema, protectSchema, type IRules } from '@homegraph/platform';
import type { GraphQLSchema } from 'graphql';
import type { ListingsContext } from '../context';
import { ListingMutationResolver } from '../resolvers/ListingMutationResolver';
import { ListingSubscriptionResolver, routerServedPubSub } from '../resolvers/ListingSubscriptionResolver';
import {
  ListingResolver,
  OrganizationListingsResolver,
  UserListingsResolver,
} from '../resolvers/ListingResolver';
import { visibleListing } from '../resolvers/visibility';
import { EVENT_SUBSCRIPTION_LINK, eventSubscriptionDirective } from './eventSubscription';

/**
 * Who may do what; anything not listed is refused (protectSchema denies by default). Reading is open
 * at this level because visibility is per listing (unpublished ones only for their editors), decided
 * where they are loaded; changes need a signed-in caller, and the service checks they may edit.
 */
export const permissions: IRules = {
  Query: { listing: allow, listings: allow, myListings: authenticated },
  Mutation: {
    createListing: authenticated,
    updateListing: authenticated,
    submitListing: authenticated,
    withdrawListing: authenticated,
    markListingUnderContract: authenticated,
    markListingBackOnMarket: authenticated,
    markListingSold: authenticated,
    markListingRented: authenticated,
  },
  // Never run here: the router serves them and reads each entity through Query.listing.
  Subscription: { listingUpdated: allow, listingStatusChanged: allow, myListingsActivity: authenticated },
  Listing: allow,
  PricePoint: allow,
  User: allow,
  Organization: allow,
  ListingPayload: allow,
};

/** The listings subgraph schema. Needs no running dependency, so schema generation can call it. */
export async function buildListingsSchema(): Promise<GraphQLSchema> {
  const schema = await buildFederatedSchema(
    {
      resolvers: [
        ListingResolver,
        ListingMutationResolver,
        UserListingsResolver,
        OrganizationListingsResolver,
        ListingSubscriptionResolver,
      ],
      directives: [eventSubscriptionDirective],
      pubSub: routerServedPubSub,
    },
    {
      Listing: {
        __resolveReference: async (reference: { id: string }, context: ListingsContext) =>
          visibleListing(await context.reader.byId.load(reference.id), context),
      },
      User: { __resolveReference: (reference: { id: string }) => ({ id: reference.id }) },
      Organization: { __resolveReference: (reference: { id: string }) => ({ id: reference.id }) },
    },
    [EVENT_SUBSCRIPTION_LINK],
  );
  return protectSchema(schema, permissions);
}
