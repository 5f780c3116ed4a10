import type { PrismaClient } from './prisma';

/** A small, realistic demo set in real cities, with fixed ids so seeding is idempotent. */
const DEMO_LISTINGS = [
  {
    title: 'Bright two-bedroom flat near Retiro Park',
    city: 'Madrid',
    countryCode: 'ES',
    listPrice: 545000,
    currency: 'EUR',
    bedroomsTotal: 2,
    latitude: 40.4153,
    longitude: -3.6845,
  },
  {
    title: 'Modernist apartment in the Eixample',
    city: 'Barcelona',
    countryCode: 'ES',
    listPrice: 690000,
    currency: 'EUR',
    bedroomsTotal: 3,
    latitude: 41.3917,
    longitude: 2.1649,
  },
  {
    title: 'Victorian terrace with garden',
    city: 'London',
    countryCode: 'GB',
    listPrice: 1250000,
    currency: 'GBP',
    bedroomsTotal: 4,
    latitude: 51.4613,
    longitude: -0.1156,
  },
  {
    title: 'Canal-side studio in the Jordaan',
    city: 'Amsterdam',
    countryCode: 'NL',
    listPrice: 415000,
    currency: 'EUR',
    bedroomsTotal: 1,
    latitude: 52.3747,
    longitude: 4.8806,
  },
  {
    title: 'Family house with pool',
    city: 'Lisbon',
    countryCode: 'PT',
    listPrice: 980000,
    currency: 'EUR',
    bedroomsTotal: 4,
    latitude: 38.7369,
    longitude: -9.1427,
  },
  {
    title: 'Loft in a converted warehouse',
    city: 'Berlin',
    countryCode: 'DE',
    listPrice: 620000,
    currency: 'EUR',
    bedroomsTotal: 2,
    latitude: 52.5005,
    longitude: 13.4459,
  },
  {
    title: 'Haussmann apartment with balcony',
    city: 'Paris',
    countryCode: 'FR',
    listPrice: 1150000,
    currency: 'EUR',
    bedroomsTotal: 3,
    latitude: 48.8738,
    longitude: 2.3126,
  },
  {
    title: 'Brownstone duplex',
    city: 'New York',
    countryCode: 'US',
    listPrice: 2350000,
    currency: 'USD',
    bedroomsTotal: 3,
    latitude: 40.6782,
    longitude: -73.9442,
  },
  {
    title: 'Craftsman bungalow',
    city: 'Los Angeles',
    countryCode: 'US',
    listPrice: 1485000,
    currency: 'USD',
    bedroomsTotal: 3,
    latitude: 34.0983,
    longitude: -118.3267,
  },
  {
    title: 'Lakeview condo',
    city: 'Chicago',
    countryCode: 'US',
    listPrice: 489000,
    currency: 'USD',
    bedroomsTotal: 2,
    latitude: 41.9231,
    longitude: -87.6336,
  },
  {
    title: 'Attic flat in Trastevere',
    city: 'Rome',
    countryCode: 'IT',
    listPrice: 520000,
    currency: 'EUR',
    bedroomsTotal: 2,
    latitude: 41.8894,
    longitude: 12.4697,
  },
  {
    title: 'Townhouse near Vondelpark',
    city: 'Amsterdam',
    countryCode: 'NL',
    listPrice: 1675000,
    currency: 'EUR',
    bedroomsTotal: 5,
    latitude: 52.3579,
    longitude: 4.8686,
  },
] as const;

/** Deterministic UUID (version nibble 4) from the demo row's position. */
const demoId = (index: number) => `00000000-0000-4000-8000-${String(index + 1).padStart(12, '0')}`;

export async function seedDemoListings(prisma: PrismaClient): Promise<number> {
  for (const [index, listing] of DEMO_LISTINGS.entries()) {
    const id = demoId(index);
    await prisma.listing.upsert({
      where: { id },
      create: { id, status: 'ACTIVE', ...listing },
      update: {},
    });
  }
  return DEMO_LISTINGS.length;
}
