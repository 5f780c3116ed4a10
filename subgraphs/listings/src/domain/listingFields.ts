import { AppError } from '@homegraph/platform';

export const PROPERTY_TYPES = [
  'RESIDENTIAL',
  'RESIDENTIAL_LEASE',
  'RESIDENTIAL_INCOME',
  'LAND',
  'COMMERCIAL_SALE',
  'COMMERCIAL_LEASE',
] as const;
export type PropertyType = (typeof PROPERTY_TYPES)[number];
/** RESO models rentals as lease property types; their price is a lease amount per period. */
export const LEASE_TYPES = new Set<PropertyType>(['RESIDENTIAL_LEASE', 'COMMERCIAL_LEASE']);

export const PROPERTY_SUB_TYPES = [
  'APARTMENT',
  'CONDOMINIUM',
  'SINGLE_FAMILY_RESIDENCE',
  'TOWNHOUSE',
  'DUPLEX',
  'STUDIO',
  'OFFICE',
  'RETAIL',
  'WAREHOUSE',
  'FARM',
] as const;
export const LEASE_FREQUENCIES = ['WEEKLY', 'MONTHLY', 'ANNUALLY'] as const;
export const AREA_UNITS = ['SQUARE_METERS', 'SQUARE_FEET'] as const;
export const LOT_UNITS = ['SQUARE_METERS', 'SQUARE_FEET', 'ACRES', 'HECTARES'] as const;

/** Every editable field, by RESO name where one exists. */
export interface ListingFields {
  title: string;
  description: string;
  propertyType: PropertyType;
  propertySubType: string | null;
  listPrice: number | null;
  leaseAmount: number | null;
  leaseAmountFrequency: string | null;
  currency: string;
  bedroomsTotal: number | null;
  bathroomsTotalInteger: number | null;
  livingArea: number | null;
  livingAreaUnits: string | null;
  lotSizeArea: number | null;
  lotSizeUnits: string | null;
  yearBuilt: number | null;
  streetNumber: string | null;
  streetName: string | null;
  unitNumber: string | null;
  postalCode: string | null;
  stateOrProvince: string | null;
  city: string;
  countryCode: string;
  latitude: number;
  longitude: number;
}

export const FIELD_NAMES: ReadonlyArray<keyof ListingFields> = [
  'title',
  'description',
  'propertyType',
  'propertySubType',
  'listPrice',
  'leaseAmount',
  'leaseAmountFrequency',
  'currency',
  'bedroomsTotal',
  'bathroomsTotalInteger',
  'livingArea',
  'livingAreaUnits',
  'lotSizeArea',
  'lotSizeUnits',
  'yearBuilt',
  'streetNumber',
  'streetName',
  'unitNumber',
  'postalCode',
  'stateOrProvince',
  'city',
  'countryCode',
  'latitude',
  'longitude',
];

/** Just the editable fields of a listing (or of anything holding them). */
export function fieldsOf(source: ListingFields): ListingFields {
  return Object.fromEntries(FIELD_NAMES.map((name) => [name, source[name]])) as unknown as ListingFields;
}

/**
 * Fields whose change on an ACTIVE listing sends it back to review: what a buyer relies on and a
 * moderator checked. Price is not among them: reductions are routine, and they are tracked in the
 * price history and announced by `listing.price_changed`.
 */
export const MATERIAL_FIELDS: ReadonlySet<keyof ListingFields> = new Set<keyof ListingFields>([
  'title',
  'description',
  'propertyType',
  'propertySubType',
  'bedroomsTotal',
  'bathroomsTotalInteger',
  'livingArea',
  'livingAreaUnits',
  'lotSizeArea',
  'lotSizeUnits',
  'yearBuilt',
  'streetNumber',
  'streetName',
  'unitNumber',
  'postalCode',
  'stateOrProvince',
  'city',
  'countryCode',
  'latitude',
  'longitude',
]);

const PRICE_FIELDS: ReadonlySet<keyof ListingFields> = new Set<keyof ListingFields>([
  'listPrice',
  'leaseAmount',
  'leaseAmountFrequency',
  'currency',
]);
export const isPriceField = (field: keyof ListingFields): boolean => PRICE_FIELDS.has(field);

const bad = (field: string, message: string): never => {
  throw new AppError('BAD_USER_INPUT', `${field} ${message}`, { field });
};

function text(field: string, value: string, min: number, max: number): string {
  const trimmed = value.trim();
  if (trimmed.length < min || trimmed.length > max) bad(field, `must be ${min} to ${max} characters long`);
  return trimmed;
}

function optionalText(field: string, value: string | null, max: number): string | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (trimmed.length > max) bad(field, `must be at most ${max} characters long`);
  return trimmed || null;
}

function range(
  field: string,
  value: number | null,
  min: number,
  max: number,
  integer = false,
): number | null {
  if (value === null) return null;
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    bad(field, `must be ${integer ? 'an integer ' : ''}between ${min} and ${max}`);
  }
  return value;
}

function oneOf(field: string, value: string | null, allowed: readonly string[]): string | null {
  if (value !== null && !allowed.includes(value)) bad(field, `must be one of ${allowed.join(', ')}`);
  return value;
}

/**
 * Checks and normalizes a complete set of listing fields (a new listing, or an existing one with an
 * edit applied), so every rule holds for the result whatever was changed. Throws BAD_USER_INPUT naming
 * the first bad field.
 */
export function validateListingFields(input: ListingFields): ListingFields {
  const fields: ListingFields = {
    ...input,
    title: text('title', input.title, 5, 140),
    description: text('description', input.description, 0, 10_000),
    propertySubType: oneOf('propertySubType', input.propertySubType, PROPERTY_SUB_TYPES),
    leaseAmountFrequency: oneOf('leaseAmountFrequency', input.leaseAmountFrequency, LEASE_FREQUENCIES),
    livingAreaUnits: oneOf('livingAreaUnits', input.livingAreaUnits, AREA_UNITS),
    lotSizeUnits: oneOf('lotSizeUnits', input.lotSizeUnits, LOT_UNITS),
    listPrice: range('listPrice', input.listPrice, 1, 1e11),
    leaseAmount: range('leaseAmount', input.leaseAmount, 1, 1e9),
    bedroomsTotal: range('bedroomsTotal', input.bedroomsTotal, 0, 100, true),
    bathroomsTotalInteger: range('bathroomsTotalInteger', input.bathroomsTotalInteger, 0, 100, true),
    livingArea: range('livingArea', input.livingArea, 1, 1e7),
    lotSizeArea: range('lotSizeArea', input.lotSizeArea, 1, 1e10),
    yearBuilt: range('yearBuilt', input.yearBuilt, 1000, new Date().getUTCFullYear() + 5, true),
    streetNumber: optionalText('streetNumber', input.streetNumber, 20),
    streetName: optionalText('streetName', input.streetName, 200),
    unitNumber: optionalText('unitNumber', input.unitNumber, 20),
    postalCode: optionalText('postalCode', input.postalCode, 20),
    stateOrProvince: optionalText('stateOrProvince', input.stateOrProvince, 100),
    city: text('city', input.city, 1, 100),
    latitude: range('latitude', input.latitude, -90, 90) as number,
    longitude: range('longitude', input.longitude, -180, 180) as number,
  };
  if (!PROPERTY_TYPES.includes(fields.propertyType))
    bad('propertyType', `must be one of ${PROPERTY_TYPES.join(', ')}`);
  if (!/^[A-Z]{2}$/.test(fields.countryCode)) bad('countryCode', 'must be an ISO 3166-1 alpha-2 code');
  if (!/^[A-Z]{3}$/.test(fields.currency)) bad('currency', 'must be an ISO 4217 code');
  if (LEASE_TYPES.has(fields.propertyType)) {
    if (fields.listPrice !== null) bad('listPrice', 'is for sales; a lease has leaseAmount');
    if ((fields.leaseAmount === null) !== (fields.leaseAmountFrequency === null)) {
      bad('leaseAmountFrequency', 'and leaseAmount go together');
    }
  } else if (fields.leaseAmount !== null || fields.leaseAmountFrequency !== null) {
    bad('leaseAmount', 'is for leases; a sale has listPrice');
  }
  if ((fields.livingArea === null) !== (fields.livingAreaUnits === null))
    bad('livingAreaUnits', 'and livingArea go together');
  if ((fields.lotSizeArea === null) !== (fields.lotSizeUnits === null))
    bad('lotSizeUnits', 'and lotSizeArea go together');
  return fields;
}

/** What a listing needs before review: a price and a description a buyer can act on. */
export function checkReadyForReview(fields: ListingFields): void {
  const price = LEASE_TYPES.has(fields.propertyType) ? fields.leaseAmount : fields.listPrice;
  if (price === null) {
    bad(LEASE_TYPES.has(fields.propertyType) ? 'leaseAmount' : 'listPrice', 'is required before review');
  }
  if (fields.description.length < 20) bad('description', 'must be at least 20 characters before review');
}
