import { isSignedIn, type CallerIdentity } from '@homegraph/platform';
import DataLoader from 'dataloader';
import { ListingStatus, PUBLIC } from '../domain/listingStatus';
import { toRecord, type ListingRecord } from './listingRecord';
import type { PrismaClient } from './prisma';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PUBLIC_STATUSES = [...PUBLIC];

export interface PricePointRecord {
  amount: number;
  currency: string;
  changedAt: Date;
}

/** The newest `first` public listings of each owner (or agency), for a batch of owners. */
type ListKey = `${string}:${number}`;

/**
 * Reads for one request. Every lookup goes through a DataLoader, so a page of entities costs one query
 * per kind of lookup, however many entities the router asks about.
 */
export class ListingReader {
  readonly byId: DataLoader<string, ListingRecord | null>;
  /** The caller's role per agency (null: not a member), for visibility of unpublished listings. */
  readonly callerOrgRole: DataLoader<string, string | null>;
  readonly publicByOwner: DataLoader<ListKey, ListingRecord[]>;
  readonly publicByOrganization: DataLoader<ListKey, ListingRecord[]>;
  readonly priceHistory: DataLoader<string, PricePointRecord[]>;

  constructor(
    private readonly prisma: PrismaClient,
    caller: CallerIdentity,
  ) {
    this.byId = new DataLoader(async (ids) => {
      const valid = ids.filter((id) => UUID.test(id));
      const rows = valid.length ? await prisma.listing.findMany({ where: { id: { in: valid } } }) : [];
      const byId = new Map(rows.map((row) => [row.id, toRecord(row)]));
      return ids.map((id) => byId.get(id) ?? null);
    });
    this.callerOrgRole = new DataLoader(async (organizationIds) => {
      // Anonymous callers belong to no agency (and their subject is no UUID to look up).
      if (!isSignedIn(caller)) return organizationIds.map(() => null);
      const rows = await prisma.organizationMembership.findMany({
        where: {
          userId: caller.subject,
          organizationId: { in: organizationIds.filter((id) => UUID.test(id)) },
        },
      });
      const roles = new Map(rows.map((row) => [row.organizationId, row.role]));
      return organizationIds.map((id) => roles.get(id) ?? null);
    });
    this.publicByOwner = new DataLoader((keys) => this.newestPublicPer('owner_id', keys));
    this.publicByOrganization = new DataLoader((keys) => this.newestPublicPer('organization_id', keys));
    this.priceHistory = new DataLoader(async (listingIds) => {
      const rows = await prisma.listingPriceHistory.findMany({
        where: { listingId: { in: [...listingIds] } },
        orderBy: [{ changedAt: 'asc' }, { id: 'asc' }],
      });
      const byListing = new Map<string, PricePointRecord[]>();
      for (const row of rows) {
        const points = byListing.get(row.listingId) ?? [];
        points.push({ amount: row.amount.toNumber(), currency: row.currency, changedAt: row.changedAt });
        byListing.set(row.listingId, points);
      }
      return listingIds.map((id) => byListing.get(id) ?? []);
    });
  }

  /** Newest first; ties broken by id so pages are stable. */
  async newestPublic(first: number): Promise<ListingRecord[]> {
    const rows = await this.prisma.listing.findMany({
      where: { status: { in: PUBLIC_STATUSES } },
      orderBy: [{ modificationTimestamp: 'desc' }, { id: 'asc' }],
      take: first,
    });
    return rows.map(toRecord);
  }

  async ownedBy(ownerId: string, first: number, status: ListingStatus | undefined): Promise<ListingRecord[]> {
    const rows = await this.prisma.listing.findMany({
      where: { ownerId, ...(status ? { status } : {}) },
      orderBy: [{ modificationTimestamp: 'desc' }, { id: 'asc' }],
      take: first,
    });
    return rows.map(toRecord);
  }

  /**
   * One window query picks the newest `first` ids per parent for the whole batch, and one more loads
   * those rows: two queries whatever the batch size.
   */
  private async newestPublicPer(
    column: 'owner_id' | 'organization_id',
    keys: readonly ListKey[],
  ): Promise<ListingRecord[][]> {
    const parsed = keys.map((key) => {
      const separator = key.lastIndexOf(':');
      return { parentId: key.slice(0, separator), first: Number(key.slice(separator + 1)) };
    });
    const parentIds = [...new Set(parsed.map((key) => key.parentId).filter((id) => UUID.test(id)))];
    const limit = Math.max(...parsed.map((key) => key.first));
    if (!parentIds.length) return keys.map(() => []);
    // `column` is one of two literals above, never input.
    const picked = await this.prisma.$queryRawUnsafe<Array<{ id: string }>>(
      `SELECT id::text FROM (
         SELECT id, row_number() OVER (PARTITION BY ${column} ORDER BY modification_timestamp DESC, id) AS position
           FROM listings WHERE ${column} = ANY($1::uuid[]) AND status::text = ANY($2::text[])
       ) ranked WHERE position <= $3`,
      parentIds,
      PUBLIC_STATUSES,
      limit,
    );
    const rows = picked.length
      ? await this.prisma.listing.findMany({
          where: { id: { in: picked.map((row) => row.id) } },
          orderBy: [{ modificationTimestamp: 'desc' }, { id: 'asc' }],
        })
      : [];
    const records = rows.map(toRecord);
    return parsed.map(({ parentId, first }) =>
      records
        .filter((record) => (column === 'owner_id' ? record.ownerId : record.organizationId) === parentId)
        .slice(0, first),
    );
  }
}
