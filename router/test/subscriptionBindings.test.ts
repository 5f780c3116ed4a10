import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BindingError,
  keyOf,
  matches,
  parseFilter,
  readBindings,
  valueAt,
  type EventBinding,
} from '../src/subscriptions/bindings';

const SUPERGRAPH = readFileSync(join(__dirname, '../../schema/supergraph.graphql'), 'utf8');
const LISTING = 'a1b2c3d4-0000-4000-8000-000000000001';
const OWNER = 'a1b2c3d4-0000-4000-8000-0000000000aa';

const event = (type: string, payload: Record<string, unknown>) => ({
  eventId: '018f0000-0000-7000-8000-000000000000',
  type,
  version: 1,
  occurredAt: '2026-01-01T00:00:00Z',
  producer: 'listings',
  aggregate: { type: 'Listing', id: LISTING, version: 2 },
  actor: { type: 'user', id: OWNER },
  payload,
});

describe('subscription bindings in the supergraph', () => {
  const bindings = readBindings(SUPERGRAPH);

  it('reads every @eventSubscription of the composed Subscription type', () => {
    expect([...bindings.keys()].sort()).toEqual([
      'listingStatusChanged',
      'listingUpdated',
      'myListingsActivity',
    ]);
    expect(bindings.get('listingUpdated')).toEqual({
      field: 'listingUpdated',
      topic: 'listings.events.v1',
      events: new Set(['listing.updated']),
      entity: 'Listing',
      key: ['payload', 'listingId'],
      resolveWith: 'listing',
      keyArg: 'id',
      filters: [{ kind: 'argument', argument: 'id', path: ['payload', 'listingId'] }],
    });
    expect(bindings.get('myListingsActivity')?.filters).toEqual([
      { kind: 'caller', claim: 'subject', path: ['payload', 'ownerId'] },
    ]);
  });

  it('follows a renamed import of the directive and ignores other directives of that name', () => {
    const sdl = `
      schema @link(url: "https://specs.apollo.dev/link/v1.0")
        @link(url: "https://homegraph.dev/subscriptions/v1.0", import: [{ name: "@eventSubscription", as: "@onEvent" }])
        { query: Query subscription: Sub }
      type Query { a: Int }
      type Sub {
        x: Int @onEvent(topic: "t", events: ["e"], entity: "A", key: "payload.id", resolveWith: "a")
        y: Int @eventSubscription(topic: "t", events: ["e"], entity: "A", key: "payload.id", resolveWith: "a")
      }`;
    expect([...readBindings(sdl).keys()]).toEqual(['x']);
  });

  it('has no bindings without the link', () => {
    expect(readBindings('type Query { a: Int } type Subscription { b: Int }').size).toBe(0);
  });

  it('refuses bindings it cannot read', () => {
    expect(() => parseFilter('id', 'f')).toThrow(BindingError);
    expect(() => parseFilter('id=payload..x', 'f')).toThrow(BindingError);
    expect(() => parseFilter('$caller.roles=payload.x', 'f')).toThrow(BindingError);
    expect(() => parseFilter('a=b=c', 'f')).toThrow(BindingError);
  });
});

describe('filter matching', () => {
  const bindings = readBindings(SUPERGRAPH);
  const byId = bindings.get('listingUpdated') as EventBinding;
  const mine = bindings.get('myListingsActivity') as EventBinding;
  const updated = event('listing.updated', { listingId: LISTING, ownerId: OWNER, changedFields: ['title'] });

  it('matches an argument against the path it is bound to', () => {
    expect(matches(byId, updated, { variables: { id: LISTING }, subject: undefined })).toBe(true);
    expect(matches(byId, updated, { variables: { id: 'another' }, subject: undefined })).toBe(false);
  });

  it("doesn't narrow by an argument the subscriber left out", () => {
    expect(matches(byId, updated, { variables: {}, subject: undefined })).toBe(true);
    expect(matches(byId, updated, { variables: { id: null }, subject: undefined })).toBe(true);
  });

  it('matches the caller only when signed in as the one the event names', () => {
    expect(matches(mine, updated, { variables: {}, subject: OWNER })).toBe(true);
    expect(matches(mine, updated, { variables: {}, subject: 'someone-else' })).toBe(false);
    expect(matches(mine, updated, { variables: {}, subject: undefined })).toBe(false);
  });

  it('never matches a path the event lacks (events from before ownerId existed)', () => {
    const older = event('listing.updated', { listingId: LISTING, changedFields: ['title'] });
    expect(matches(mine, older, { variables: {}, subject: OWNER })).toBe(false);
  });

  it('compares scalars as strings and never matches objects', () => {
    const binding = { ...byId, filters: [parseFilter('n=payload.n', 'f')] };
    expect(matches(binding, event('x.y', { n: 3 }), { variables: { n: '3' }, subject: undefined })).toBe(
      true,
    );
    expect(
      matches(binding, event('x.y', { n: { a: 1 } }), {
        variables: { n: '[object Object]' },
        subject: undefined,
      }),
    ).toBe(false);
  });

  it('reads the key and paths from the envelope, not its prototype', () => {
    expect(keyOf(byId, updated)).toBe(LISTING);
    expect(keyOf(byId, event('listing.updated', {}))).toBeUndefined();
    expect(valueAt(updated, ['aggregate', 'version'])).toBe(2);
    expect(valueAt(updated, ['payload', 'constructor'])).toBeUndefined();
    expect(valueAt(updated, ['payload', 'changedFields', 'length'])).toBeUndefined();
  });
});
