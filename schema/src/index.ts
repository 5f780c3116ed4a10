import { EventCatalog, type EventContract } from '@homegraph/platform';
import { listingCreated, listingPriceChanged, listingStatusChanged, listingUpdated } from './listings';
import { moderationDecisionMade } from './moderation';

export * from './listings';
export * from './moderation';

/** Every event contract of the platform; `npm run schema:generate` writes each one's JSON Schema. */
export const ALL_CONTRACTS: readonly EventContract[] = [
  listingCreated,
  listingUpdated,
  listingStatusChanged,
  listingPriceChanged,
  moderationDecisionMade,
];

export const eventCatalog = (): EventCatalog => new EventCatalog(ALL_CONTRACTS);
