import type { ListingsContext } from '../context';
import type { ListingRecord } from '../data/listingRecord';
import { canView } from '../domain/listingService';
import { PUBLIC, RESO_STANDARD_STATUS } from '../domain/listingStatus';
import type { Listing } from '../schema/listing';

export const toListing = (record: ListingRecord): Listing => ({
  ...record,
  standardStatus: RESO_STANDARD_STATUS[record.status],
});

/** The listing as the caller may see it, or null: unpublished listings are invisible to strangers. */
export async function visibleListing(
  record: ListingRecord | null,
  { caller, reader }: ListingsContext,
): Promise<Listing | null> {
  if (!record) return null;
  if (PUBLIC.has(record.status)) return toListing(record);
  const orgRole = record.organizationId ? await reader.callerOrgRole.load(record.organizationId) : null;
  return canView(record, caller, orgRole) ? toListing(record) : null;
}
