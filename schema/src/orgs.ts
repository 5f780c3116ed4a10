import { defineEvent } from '@homegraph/platform';
import { z } from 'zod';
import { uuid } from './common';

const TOPIC = 'orgs.events.v1';
export const ORG_ROLES = ['OWNER', 'ADMIN', 'AGENT'] as const;
const orgRole = z.enum(ORG_ROLES);

export const organizationCreated = defineEvent({
  type: 'organization.created',
  version: 1,
  topic: TOPIC,
  aggregateType: 'Organization',
  description: 'An agency was created; its creator is its first OWNER (a member_joined event follows).',
  payload: z.object({ organizationId: uuid(), name: z.string(), createdBy: uuid() }),
});

export const invitationCreated = defineEvent({
  type: 'organization.invitation_created',
  version: 1,
  topic: TOPIC,
  aggregateType: 'Organization',
  description:
    'Someone was invited to join an agency; the notification worker mails the token (only its hash is stored).',
  payload: z.object({
    organizationId: uuid(),
    invitationId: uuid(),
    email: z.email(),
    role: orgRole,
    invitedBy: uuid(),
    token: z.string(),
    expiresAt: z.iso.datetime(),
  }),
});

export const invitationDeclined = defineEvent({
  type: 'organization.invitation_declined',
  version: 1,
  topic: TOPIC,
  aggregateType: 'Organization',
  description: 'The invited person declined.',
  payload: z.object({ organizationId: uuid(), invitationId: uuid() }),
});

/**
 * Membership changes carry the member's whole current state, so a consumer keeping a projection of
 * memberships (listings does, to authorize agents) applies the newest by aggregate version.
 */
export const memberJoined = defineEvent({
  type: 'organization.member_joined',
  version: 1,
  topic: TOPIC,
  aggregateType: 'Organization',
  description: 'A user became a member of an agency (its creator, or by accepting an invitation).',
  payload: z.object({
    organizationId: uuid(),
    userId: uuid(),
    role: orgRole,
    invitationId: uuid().nullable(),
  }),
});

export const memberRemoved = defineEvent({
  type: 'organization.member_removed',
  version: 1,
  topic: TOPIC,
  aggregateType: 'Organization',
  description: 'A user stopped being a member of an agency.',
  payload: z.object({ organizationId: uuid(), userId: uuid() }),
});
