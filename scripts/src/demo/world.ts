/**
 * The demo world `make up` seeds: agencies in real cities, their agents, and a few hundred listings
 * around real neighbourhoods. Everything is derived from fixed ids and a seeded generator, so seeding
 * again changes nothing.
 */

export const DEMO_PASSWORD = 'homegraph-demo';

export interface DemoUser {
  id: string;
  email: string;
  displayName: string;
  roles: Array<'USER' | 'AGENT' | 'MODERATOR' | 'ADMIN'>;
}

export interface DemoAgency {
  id: string;
  name: string;
  city: City;
  members: Array<{ userId: string; role: 'OWNER' | 'ADMIN' | 'AGENT' }>;
}

export interface DemoListing {
  id: string;
  ownerId: string;
  organizationId: string;
  status: 'DRAFT' | 'PENDING_REVIEW' | 'ACTIVE' | 'UNDER_CONTRACT' | 'SOLD' | 'RENTED';
  title: string;
  description: string;
  propertyType: 'RESIDENTIAL' | 'RESIDENTIAL_LEASE';
  propertySubType: string;
  listPrice: number | null;
  leaseAmount: number | null;
  leaseAmountFrequency: string | null;
  currency: string;
  bedroomsTotal: number;
  bathroomsTotalInteger: number;
  livingArea: number;
  livingAreaUnits: string;
  yearBuilt: number;
  streetNumber: string;
  streetName: string;
  postalCode: string;
  city: string;
  countryCode: string;
  latitude: number;
  longitude: number;
}

interface City {
  name: string;
  countryCode: string;
  currency: string;
  latitude: number;
  longitude: number;
  /** Typical sale price per square metre, and monthly rent per square metre, in `currency`. */
  pricePerSquareMetre: number;
  rentPerSquareMetre: number;
  streets: string[];
  postalPrefix: string;
}

const CITIES: City[] = [
  {
    name: 'Madrid',
    countryCode: 'ES',
    currency: 'EUR',
    latitude: 40.4168,
    longitude: -3.7038,
    pricePerSquareMetre: 5200,
    rentPerSquareMetre: 20,
    streets: ['Calle de Alcalá', 'Calle de Serrano', 'Calle de Goya', 'Calle de Atocha', 'Paseo del Prado'],
    postalPrefix: '280',
  },
  {
    name: 'London',
    countryCode: 'GB',
    currency: 'GBP',
    latitude: 51.5072,
    longitude: -0.1276,
    pricePerSquareMetre: 11000,
    rentPerSquareMetre: 38,
    streets: ['Baker Street', 'Portobello Road', 'Upper Street', 'King’s Road', 'Old Kent Road'],
    postalPrefix: 'N1 ',
  },
  {
    name: 'Amsterdam',
    countryCode: 'NL',
    currency: 'EUR',
    latitude: 52.3676,
    longitude: 4.9041,
    pricePerSquareMetre: 7800,
    rentPerSquareMetre: 27,
    streets: ['Prinsengracht', 'Keizersgracht', 'Overtoom', 'Ferdinand Bolstraat', 'Javastraat'],
    postalPrefix: '101',
  },
  {
    name: 'Lisbon',
    countryCode: 'PT',
    currency: 'EUR',
    latitude: 38.7223,
    longitude: -9.1393,
    pricePerSquareMetre: 5600,
    rentPerSquareMetre: 19,
    streets: ['Rua Augusta', 'Avenida da Liberdade', 'Rua da Rosa', 'Rua de São Bento', 'Calçada da Estrela'],
    postalPrefix: '11',
  },
  {
    name: 'Berlin',
    countryCode: 'DE',
    currency: 'EUR',
    latitude: 52.52,
    longitude: 13.405,
    pricePerSquareMetre: 5400,
    rentPerSquareMetre: 17,
    streets: ['Kastanienallee', 'Oranienstraße', 'Bergmannstraße', 'Schönhauser Allee', 'Kantstraße'],
    postalPrefix: '10',
  },
];

/** A fixed UUID (version nibble 4) per kind and index, so demo rows keep their ids. */
const demoId = (kind: number, index: number) =>
  `00000000-0000-4000-8${String(kind).padStart(3, '0')}-${String(index + 1).padStart(12, '0')}`;

/** mulberry32: a small seeded generator, so the demo world is the same on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST_NAMES = ['Ana', 'James', 'Sofia', 'Daan', 'Inês', 'Lukas', 'Carmen', 'Olivia', 'Pedro', 'Mia'];
const LAST_NAMES = [
  'García',
  'Smith',
  'de Vries',
  'Silva',
  'Müller',
  'López',
  'Taylor',
  'Jansen',
  'Costa',
  'Schmidt',
];
const SUB_TYPES = ['APARTMENT', 'APARTMENT', 'APARTMENT', 'CONDOMINIUM', 'TOWNHOUSE', 'STUDIO'] as const;
const FEATURES = [
  'a sunny balcony',
  'high ceilings',
  'a renovated kitchen',
  'a lift',
  'a quiet courtyard',
  'original floors',
  'a roof terrace',
  'storage in the basement',
];

export interface DemoWorld {
  users: DemoUser[];
  agencies: DemoAgency[];
  listings: DemoListing[];
}

export function demoWorld(listingsPerCity = 60): DemoWorld {
  const users: DemoUser[] = [
    {
      id: demoId(1, 0),
      email: 'admin@homegraph.example',
      displayName: 'Platform Admin',
      roles: ['USER', 'ADMIN'],
    },
    {
      id: demoId(1, 1),
      email: 'moderator@homegraph.example',
      displayName: 'Morgan Moderator',
      roles: ['USER', 'MODERATOR'],
    },
    { id: demoId(1, 2), email: 'seeker@homegraph.example', displayName: 'Sam Seeker', roles: ['USER'] },
  ];
  const agencies: DemoAgency[] = [];
  const listings: DemoListing[] = [];
  const next = random(20261204);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;

  CITIES.forEach((city, cityIndex) => {
    const agents: DemoUser[] = [0, 1, 2].map((position) => {
      const index = users.length;
      const first = FIRST_NAMES[(cityIndex * 3 + position) % FIRST_NAMES.length] as string;
      const last = LAST_NAMES[(cityIndex * 7 + position * 3) % LAST_NAMES.length] as string;
      const user: DemoUser = {
        id: demoId(1, index),
        email:
          `${first}.${last}`
            .toLowerCase()
            .normalize('NFD')
            .replace(/[^a-z.]/g, '') + `@${city.name.toLowerCase()}.homegraph.example`,
        displayName: `${first} ${last}`,
        roles: ['USER', 'AGENT'],
      };
      users.push(user);
      return user;
    });
    const agency: DemoAgency = {
      id: demoId(2, cityIndex),
      name: `${city.name} ${pick(['Homes', 'Realty', 'Estates', 'Property Partners'])}`,
      city,
      members: agents.map((agent, position) => ({
        userId: agent.id,
        role: position === 0 ? 'OWNER' : position === 1 ? 'ADMIN' : 'AGENT',
      })),
    };
    agencies.push(agency);

    for (let n = 0; n < listingsPerCity; n += 1) {
      const lease = next() < 0.3;
      const subType = pick(SUB_TYPES);
      const bedrooms = subType === 'STUDIO' ? 0 : 1 + Math.floor(next() * 4);
      const area = Math.round((subType === 'STUDIO' ? 28 : 35 + bedrooms * 22) * (0.85 + next() * 0.4));
      const street = pick(city.streets);
      const roll = next();
      const status: DemoListing['status'] =
        roll < 0.8
          ? 'ACTIVE'
          : roll < 0.88
            ? 'UNDER_CONTRACT'
            : roll < 0.94
              ? lease
                ? 'RENTED'
                : 'SOLD'
              : roll < 0.97
                ? 'PENDING_REVIEW'
                : 'DRAFT';
      const price = Math.round((area * city.pricePerSquareMetre * (0.8 + next() * 0.5)) / 1000) * 1000;
      const rent = Math.round((area * city.rentPerSquareMetre * (0.85 + next() * 0.3)) / 10) * 10;
      const kind =
        subType === 'STUDIO'
          ? 'Studio'
          : `${bedrooms}-bedroom ${subType === 'TOWNHOUSE' ? 'townhouse' : 'flat'}`;
      listings.push({
        id: demoId(3, cityIndex * 1000 + n),
        ownerId: (agents[n % agents.length] as DemoUser).id,
        organizationId: agency.id,
        status,
        title: `${kind} on ${street}${lease ? ' to rent' : ''}`,
        description: `${kind} of ${area} m² in ${city.name}, with ${pick(FEATURES)} and ${pick(FEATURES)}. Close to shops, schools and public transport.`,
        propertyType: lease ? 'RESIDENTIAL_LEASE' : 'RESIDENTIAL',
        propertySubType: subType,
        listPrice: lease ? null : price,
        leaseAmount: lease ? rent : null,
        leaseAmountFrequency: lease ? 'MONTHLY' : null,
        currency: city.currency,
        bedroomsTotal: bedrooms,
        bathroomsTotalInteger: Math.max(1, Math.ceil(bedrooms / 2)),
        livingArea: area,
        livingAreaUnits: 'SQUARE_METERS',
        yearBuilt: 1880 + Math.floor(next() * 140),
        streetNumber: String(1 + Math.floor(next() * 180)),
        streetName: street,
        postalCode: `${city.postalPrefix}${String(Math.floor(next() * 90) + 10)}`,
        city: city.name,
        countryCode: city.countryCode,
        latitude: Number((city.latitude + (next() - 0.5) * 0.08).toFixed(6)),
        longitude: Number((city.longitude + (next() - 0.5) * 0.12).toFixed(6)),
      });
    }
  });
  return { users, agencies, listings };
}
