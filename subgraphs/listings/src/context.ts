import type { CallerIdentity } from '@homegraph/platform';
import type { ListingRepository } from './data/listingRepository';

/** Built once per request. */
export interface ListingsContext {
  listings: ListingRepository;
  /** Who the router vouches for. */
  caller: CallerIdentity;
}
