import type { Listing } from '../schema/listing';
import type { ListingStatus } from '../domain/listingStatus';
import type { PrismaClient } from './prisma';

type ListingRow = Awaited<ReturnType<PrismaClient['listing']['findFirstOrThrow']>>;

function toListing(row: ListingRow): Listing {
  return {
    id: row.id,
    title: row.title,
    status: row.status as ListingStatus,
    city: row.city,
    countryCode: row.countryCode,
    listPrice: row.listPrice === null ? null : row.listPrice.toNumber(),
    currency: row.currency,
    bedroomsTotal: row.bedroomsTotal,
    latitude: row.latitude,
    longitude: row.longitude,
    modificationTimestamp: row.modificationTimestamp,
  };
}

export class ListingRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async findById(id: string): Promise<Listing | null> {
    const row = await this.prisma.listing.findUnique({ where: { id } });
    return row ? toListing(row) : null;
  }

  /** Newest first; ties broken by id so pages are stable. */
  async findNewest(first: number): Promise<Listing[]> {
    const rows = await this.prisma.listing.findMany({
      orderBy: [{ modificationTimestamp: 'desc' }, { id: 'asc' }],
      take: first,
    });
    return rows.map(toListing);
  }
}
