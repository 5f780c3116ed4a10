import type { ListingFields, PropertyType } from '../domain/listingFields';
import type { ListingStatus } from '../domain/listingStatus';
import type { PrismaClient } from './prisma';

export type ListingRow = Awaited<ReturnType<PrismaClient['listing']['findFirstOrThrow']>>;

/** A listing as the domain sees it: plain numbers instead of database decimals. */
export interface ListingRecord extends ListingFields {
  id: string;
  ownerId: string;
  organizationId: string | null;
  status: ListingStatus;
  version: number;
  createdAt: Date;
  modificationTimestamp: Date;
  statusChangeTimestamp: Date;
  priceChangeTimestamp: Date | null;
}

const toNumber = (value: { toNumber(): number } | null): number | null =>
  value === null ? null : value.toNumber();

export function toRecord(row: ListingRow): ListingRecord {
  return {
    ...row,
    status: row.status as ListingStatus,
    propertyType: row.propertyType as PropertyType,
    listPrice: toNumber(row.listPrice),
    leaseAmount: toNumber(row.leaseAmount),
    livingArea: toNumber(row.livingArea),
    lotSizeArea: toNumber(row.lotSizeArea),
  };
}
