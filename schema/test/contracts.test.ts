import { EventCatalog } from '@homegraph/platform';
import { ALL_CONTRACTS, listingStatusChanged } from '../src';

describe('event contracts', () => {
  it('are unique by type and version and named <aggregate>.<past-tense verb>', () => {
    expect(() => new EventCatalog(ALL_CONTRACTS)).not.toThrow();
    for (const contract of ALL_CONTRACTS) {
      expect(contract.type).toMatch(/^[a-z]+(\.[a-z_]+)+$/);
      expect(contract.topic).toMatch(/^[a-z]+\.events\.v1$/);
      expect(contract.description.length).toBeGreaterThan(10);
    }
  });

  it('validate payloads and report every problem', () => {
    const catalog = new EventCatalog(ALL_CONTRACTS);
    const valid = { listingId: '0190a0b0-0000-7000-8000-000000000001', from: 'DRAFT', to: 'PENDING_REVIEW' };
    expect(catalog.validatePayload(listingStatusChanged.type, 1, valid)).toEqual(valid);
    expect(() =>
      catalog.validatePayload(listingStatusChanged.type, 1, { listingId: 'x', from: 'NOPE' }),
    ).toThrow(/listingId.*from.*to/s);
  });
});
