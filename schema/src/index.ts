import { resolve } from 'node:path';
import { EventCatalog, type EventContract } from '@homegraph/platform';
import { listingCreated, listingPriceChanged, listingStatusChanged, listingUpdated } from './listings';
import { moderationDecisionMade } from './moderation';
import {
  invitationCreated,
  invitationDeclined,
  memberJoined,
  memberRemoved,
  organizationCreated,
} from './orgs';
import {
  emailVerificationRequested,
  emailVerified,
  passwordChanged,
  passwordResetRequested,
  rolesChanged,
  sessionsRevoked,
  userRegistered,
} from './users';

export * from './listings';
export * from './moderation';
export * from './orgs';
export * from './users';

/** Every event contract of the platform; `npm run schema:generate` writes each one's JSON Schema. */
export const ALL_CONTRACTS: readonly EventContract[] = [
  listingCreated,
  listingUpdated,
  listingStatusChanged,
  listingPriceChanged,
  moderationDecisionMade,
  userRegistered,
  emailVerificationRequested,
  emailVerified,
  passwordResetRequested,
  passwordChanged,
  sessionsRevoked,
  rolesChanged,
  organizationCreated,
  invitationCreated,
  invitationDeclined,
  memberJoined,
  memberRemoved,
];

export const eventCatalog = (): EventCatalog => new EventCatalog(ALL_CONTRACTS);

/** The topic catalog file (topics, consumer groups and their retry delays). */
export const TOPIC_CATALOG_PATH = resolve(__dirname, '../events/topics.yaml');
