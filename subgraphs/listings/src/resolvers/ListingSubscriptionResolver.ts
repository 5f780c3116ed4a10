import { listingCreated, listingPriceChanged, listingStatusChanged, listingUpdated } from '@homegraph/schema';
import { Arg, Directive, ID, Resolver, Subscription, type PubSub } from 'type-graphql';
import { eventSubscription } from '../schema/eventSubscription';
import { Listing } from '../schema/listing';

const TOPIC = listingUpdated.topic;

/** The router consumes the events and never asks this subgraph to run a subscription. */
const servedByRouter = (): never => {
  throw new Error('subscriptions are served by the router');
};

/** type-graphql insists on a PubSub once there are subscriptions; nothing here publishes or listens. */
export const routerServedPubSub: PubSub = { publish: servedByRouter, subscribe: servedByRouter };

@Resolver()
export class ListingSubscriptionResolver {
  @Subscription(() => Listing, {
    nullable: true,
    description: "A listing's fields were edited",
    subscribe: servedByRouter,
  })
  @Directive(
    eventSubscription({
      topic: TOPIC,
      events: [listingUpdated.type],
      entity: 'Listing',
      key: 'payload.listingId',
      resolveWith: 'listing',
      filter: ['id=payload.listingId'],
    }),
  )
  listingUpdated(@Arg('id', () => ID) _id: string): Listing | null {
    return servedByRouter();
  }

  @Subscription(() => Listing, {
    nullable: true,
    description: 'A listing moved through its lifecycle',
    subscribe: servedByRouter,
  })
  @Directive(
    eventSubscription({
      topic: TOPIC,
      events: [listingStatusChanged.type],
      entity: 'Listing',
      key: 'payload.listingId',
      resolveWith: 'listing',
      filter: ['id=payload.listingId'],
    }),
  )
  listingStatusChanged(@Arg('id', () => ID) _id: string): Listing | null {
    return servedByRouter();
  }

  @Subscription(() => Listing, {
    nullable: true,
    description: "Anything that happens to the caller's own listings",
    subscribe: servedByRouter,
  })
  @Directive(
    eventSubscription({
      topic: TOPIC,
      events: [listingCreated.type, listingUpdated.type, listingStatusChanged.type, listingPriceChanged.type],
      entity: 'Listing',
      key: 'payload.listingId',
      resolveWith: 'listing',
      filter: ['$caller.subject=payload.ownerId'],
    }),
  )
  myListingsActivity(): Listing | null {
    return servedByRouter();
  }
}
