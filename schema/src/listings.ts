import { defineEvent } from '@homegraph/platform';
import { z } from 'zod';
import { money, uuid } from './common';

const TOPIC = 'listings.events.v1';

export const LISTING_STATUSES = [
  'DRAFT',
  'PENDING_REVIEW',
  'ACTIVE',
  'UNDER_CONTRACT',
  'SOLD',
  'RENTED',
  'WITHDRAWN',
  'EXPIRED',
  'REJECTED',
] as const;
const listingStatus = z.enum(LISTING_STATUSES);

export const listingCreated = defineEvent({
  type: 'listing.created',
  version: 1,
  topic: TOPIC,
  aggregateType: 'Listing',
  description: 'A listing was created as a draft.',
  payload: z.object({
    listingId: uuid(),
    ownerId: uuid(),
    organizationId: uuid().nullable(),
    status: listingStatus,
  }),
});

export const listingUpdated = defineEvent({
  type: 'listing.updated',
  version: 1,
  topic: TOPIC,
  aggregateType: 'Listing',
  description: 'Fields of a listing changed; `changedFields` names them (RESO names where they exist).',
  payload: z.object({
    listingId: uuid(),
    changedFields: z.array(z.string()).min(1),
    /** The listing's agent, so subscribers to their own listings' activity can be told (optional: older events lack it). */
    ownerId: uuid().optional(),
  }),
});

export const listingStatusChanged = defineEvent({
  type: 'listing.status_changed',
  version: 1,
  topic: TOPIC,
  aggregateType: 'Listing',
  description: 'A listing moved through its lifecycle.',
  payload: z.object({
    listingId: uuid(),
    from: listingStatus,
    to: listingStatus,
    reason: z.string().optional(),
    /** The listing's agent, so subscribers to their own listings' activity can be told (optional: older events lack it). */
    ownerId: uuid().optional(),
  }),
});

export const listingPriceChanged = defineEvent({
  type: 'listing.price_changed',
  version: 1,
  topic: TOPIC,
  aggregateType: 'Listing',
  description: 'The list price (or lease amount) of a listing changed.',
  payload: z.object({
    listingId: uuid(),
    previous: money.nullable(),
    current: money,
    /** The listing's agent, so subscribers to their own listings' activity can be told (optional: older events lack it). */
    ownerId: uuid().optional(),
  }),
});
