import type { ListingRepository } from './data/listingRepository';

/** Built once per request. */
export interface ListingsContext {
  listings: ListingRepository;
}
