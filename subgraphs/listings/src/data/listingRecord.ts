import type { ListingFields, PropertyType } from '../domain/listingFields';
import type { ListingStatus } from '../domain/listingStatus';
import { Prisma } from './__generated__/prisma/client';
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

/**
 * Every column of `listings` under its Prisma field name, for raw statements whose rows must read like
 * Prisma's (the columns are the fields in snake_case; the field list is Prisma's own, so it can't drift).
 */
export const LISTING_COLUMNS = Object.values(Prisma.ListingScalarFieldEnum)
  .map((field) => `"${field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}" AS "${field}"`)
  .join(', ');
