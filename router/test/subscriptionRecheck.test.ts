import { Supergraph } from '@apollo/federation-internals';
import { parse } from 'graphql';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBindings } from '../src/subscriptions/bindings';
import {
  recheckSubscription,
  sameBinding,
  SCHEMA_CHANGED,
  type ServedSchema,
  type SubscriptionSource,
} from '../src/subscriptions/recheck';

const SUPERGRAPH = readFileSync(join(__dirname, '../../schema/supergraph.graphql'), 'utf8');
const LISTING_UPDATED =
  '@eventSubscription(topic: "listings.events.v1", events: ["listing.updated"], entity: "Listing", key: "payload.listingId", resolveWith: "listing", filter: ["id=payload.listingId"])';

const servedOf = (sdl: string): ServedSchema => ({
  apiSchema: Supergraph.build(sdl).apiSchema().toGraphQLJSSchema(),
  bindings: readBindings(sdl),
});

/** The committed supergraph with one exact edit, which must apply. */
const edited = (from: string, to: string): string => {
  if (!SUPERGRAPH.includes(from)) throw new Error(`the supergraph has no ${from}`);
  return SUPERGRAPH.replace(from, to);
};

const withTourUrl = edited(
  '"""RESO ListingKey"""\n  id: ID!\n',
  '"""RESO ListingKey"""\n  id: ID!\n  virtualTourUrl: String\n',
);

const sourceOf = (served: ServedSchema, query: string, variables: Record<string, unknown> = {}) => {
  const document = parse(query);
  return {
    document,
    operationName: undefined,
    variables,
    field: 'listingUpdated',
    binding: served.bindings.get('listingUpdated')!,
  } satisfies SubscriptionSource;
};

describe('re-checking a live subscription against a reloaded supergraph', () => {
  const now = servedOf(SUPERGRAPH);
  const query = 'subscription ($id: ID!) { listingUpdated(id: $id) { id title } }';
  const live = sourceOf(now, query, { id: 'L1' });

  it('keeps a subscription that still validates with the same binding, with the same plan', () => {
    const decision = recheckSubscription(live, servedOf(withTourUrl));
    expect(decision).toEqual({
      keep: true,
      query: expect.objectContaining({
        text: expect.stringContaining('listingUpdated: listing(id: $__key)'),
        keyVariable: '__key',
        responseKey: 'listingUpdated',
      }),
      arguments: { id: 'L1' },
    });
    expect(recheckSubscription(live, now).keep).toBe(true);
  });

  it('keeps it when the binding only moved around in the directive text', () => {
    const reordered = edited(
      LISTING_UPDATED,
      '@eventSubscription(filter: ["id=payload.listingId"], resolveWith: "listing", key: "payload.listingId", entity: "Listing", events: ["listing.updated"], topic: "listings.events.v1")',
    );
    expect(recheckSubscription(live, servedOf(reordered)).keep).toBe(true);
  });

  it('ends it when its binding changed', () => {
    const moreEvents = edited(
      LISTING_UPDATED,
      LISTING_UPDATED.replace('["listing.updated"]', '["listing.updated", "listing.price_changed"]'),
    );
    expect(recheckSubscription(live, servedOf(moreEvents))).toEqual({
      keep: false,
      reason: 'binding_changed',
      message: 'The schema changed: the events behind Subscription.listingUpdated changed. Subscribe again.',
    });
    const otherKey = edited(
      LISTING_UPDATED,
      LISTING_UPDATED.replace('key: "payload.listingId"', 'key: "aggregate.id"'),
    );
    expect(recheckSubscription(live, servedOf(otherKey))).toMatchObject({ reason: 'binding_changed' });
  });

  it('ends it when its field lost its binding', () => {
    const unbound = edited(` ${LISTING_UPDATED}`, '');
    expect(recheckSubscription(live, servedOf(unbound))).toMatchObject({
      keep: false,
      reason: 'binding_removed',
      message: expect.stringContaining('Subscription.listingUpdated is no longer bound to events'),
    });
  });

  it('ends it when its field was removed', () => {
    const removed = edited(
      `  """A listing's fields were edited"""\n  listingUpdated(id: ID!): Listing ${LISTING_UPDATED}\n`,
      '',
    );
    expect(recheckSubscription(live, servedOf(removed))).toEqual({
      keep: false,
      reason: 'field_removed',
      message: 'The schema changed: Subscription.listingUpdated was removed. Subscribe again.',
    });
  });

  it('ends it when its selection no longer validates', () => {
    const before = servedOf(withTourUrl);
    const touring = sourceOf(
      before,
      'subscription ($id: ID!) { listingUpdated(id: $id) { virtualTourUrl } }',
      {
        id: 'L1',
      },
    );
    expect(recheckSubscription(touring, before).keep).toBe(true);
    expect(recheckSubscription(touring, now)).toMatchObject({
      keep: false,
      reason: 'operation_invalid',
      message: expect.stringContaining('Cannot query field "virtualTourUrl" on type "Listing"'),
    });
  });

  it('compares bindings by meaning, field name aside', () => {
    const updated = now.bindings.get('listingUpdated')!;
    const status = now.bindings.get('listingStatusChanged')!;
    expect(sameBinding(updated, { ...updated, field: 'renamed' })).toBe(true);
    expect(sameBinding(updated, status)).toBe(false);
    expect(sameBinding(updated, { ...updated, filters: [] })).toBe(false);
    expect(sameBinding(updated, { ...updated, keyArg: 'listingId' })).toBe(false);
    expect(SCHEMA_CHANGED).toBe('SUBSCRIPTION_SCHEMA_CHANGED');
  });
});
