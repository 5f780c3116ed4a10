import { AppError } from '@homegraph/platform';
import { checkReadyForReview, validateListingFields, type ListingFields } from '../src/domain/listingFields';
import { ListingStatus, nextStatus, requireTransition, type Transition } from '../src/domain/listingStatus';

const S = ListingStatus;

const FIELDS: ListingFields = {
  title: 'Sunny flat near the park',
  description: 'Two bedrooms, a balcony and a lift; close to the metro.',
  propertyType: 'RESIDENTIAL',
  propertySubType: 'APARTMENT',
  listPrice: 350000,
  leaseAmount: null,
  leaseAmountFrequency: null,
  currency: 'EUR',
  bedroomsTotal: 2,
  bathroomsTotalInteger: 1,
  livingArea: 70,
  livingAreaUnits: 'SQUARE_METERS',
  lotSizeArea: null,
  lotSizeUnits: null,
  yearBuilt: 1965,
  streetNumber: '12',
  streetName: 'Calle de Goya',
  unitNumber: null,
  postalCode: '28001',
  stateOrProvince: null,
  city: 'Madrid',
  countryCode: 'ES',
  latitude: 40.42,
  longitude: -3.68,
};

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof AppError
      ? `${error.code}:${String(error.details['field'] ?? '')}`
      : 'not an AppError';
  }
};

describe('listing lifecycle', () => {
  it.each<[ListingStatus, Transition, ListingStatus]>([
    [S.DRAFT, 'SUBMIT', S.PENDING_REVIEW],
    [S.PENDING_REVIEW, 'APPROVE', S.ACTIVE],
    [S.PENDING_REVIEW, 'REJECT', S.REJECTED],
    [S.PENDING_REVIEW, 'REQUEST_CHANGES', S.DRAFT],
    [S.ACTIVE, 'MATERIAL_EDIT', S.PENDING_REVIEW],
    [S.ACTIVE, 'MARK_UNDER_CONTRACT', S.UNDER_CONTRACT],
    [S.ACTIVE, 'EXPIRE', S.EXPIRED],
    [S.UNDER_CONTRACT, 'MARK_SOLD', S.SOLD],
    [S.UNDER_CONTRACT, 'MARK_RENTED', S.RENTED],
    [S.UNDER_CONTRACT, 'BACK_ON_MARKET', S.ACTIVE],
    [S.REJECTED, 'SUBMIT', S.PENDING_REVIEW],
    [S.WITHDRAWN, 'SUBMIT', S.PENDING_REVIEW],
    [S.EXPIRED, 'SUBMIT', S.PENDING_REVIEW],
  ])('%s --%s--> %s', (from, transition, to) => {
    expect(requireTransition(from, transition)).toBe(to);
  });

  it.each<[ListingStatus, Transition]>([
    [S.DRAFT, 'APPROVE'],
    [S.DRAFT, 'MARK_SOLD'],
    [S.PENDING_REVIEW, 'MARK_UNDER_CONTRACT'],
    [S.ACTIVE, 'SUBMIT'],
    [S.WITHDRAWN, 'MARK_SOLD'],
    [S.SOLD, 'WITHDRAW'],
    [S.RENTED, 'SUBMIT'],
  ])('refuses %s --%s--> with CONFLICT', (from, transition) => {
    expect(nextStatus(from, transition)).toBeUndefined();
    expect(codeOf(() => requireTransition(from, transition))).toBe('CONFLICT:');
  });

  it('lets an editor withdraw from every non-final status', () => {
    for (const status of [S.DRAFT, S.PENDING_REVIEW, S.ACTIVE, S.UNDER_CONTRACT, S.REJECTED]) {
      expect(nextStatus(status, 'WITHDRAW')).toBe(S.WITHDRAWN);
    }
  });
});

describe('listing fields', () => {
  it('accepts a complete sale and trims text', () => {
    expect(validateListingFields({ ...FIELDS, title: '  Sunny flat near the park  ' }).title).toBe(
      'Sunny flat near the park',
    );
  });

  it.each<[string, Partial<ListingFields>, string]>([
    ['a short title', { title: 'Flat' }, 'BAD_USER_INPUT:title'],
    ['latitude out of range', { latitude: 91 }, 'BAD_USER_INPUT:latitude'],
    ['a fractional bedroom count', { bedroomsTotal: 1.5 }, 'BAD_USER_INPUT:bedroomsTotal'],
    ['a lowercase country', { countryCode: 'es' }, 'BAD_USER_INPUT:countryCode'],
    ['an unknown currency shape', { currency: 'EURO' }, 'BAD_USER_INPUT:currency'],
    [
      'a lease amount on a sale',
      { leaseAmount: 1200, leaseAmountFrequency: 'MONTHLY' },
      'BAD_USER_INPUT:leaseAmount',
    ],
    ['a list price on a lease', { propertyType: 'RESIDENTIAL_LEASE' }, 'BAD_USER_INPUT:listPrice'],
    ['an area without units', { livingAreaUnits: null }, 'BAD_USER_INPUT:livingAreaUnits'],
    ['a year far in the future', { yearBuilt: 2100 }, 'BAD_USER_INPUT:yearBuilt'],
  ])('refuses %s', (_name, change, expected) => {
    expect(codeOf(() => validateListingFields({ ...FIELDS, ...change }))).toBe(expected);
  });

  it('needs a price and a real description before review', () => {
    expect(codeOf(() => checkReadyForReview({ ...FIELDS, listPrice: null }))).toBe(
      'BAD_USER_INPUT:listPrice',
    );
    expect(codeOf(() => checkReadyForReview({ ...FIELDS, description: 'Nice.' }))).toBe(
      'BAD_USER_INPUT:description',
    );
    expect(codeOf(() => checkReadyForReview(FIELDS))).toBeUndefined();
  });
});
