import type { CallerIdentity } from '@homegraph/platform';
import type { ListingReader } from './data/listingRepository';
import type { ListingService } from './domain/listingService';

/** Built once per request. */
export interface ListingsContext {
  listings: ListingService;
  /** This request's batched reads. */
  reader: ListingReader;
  /** Who the router vouches for. */
  caller: CallerIdentity;
}
