import { defineEvent } from '@homegraph/platform';
import { z } from 'zod';
import { uuid } from './common';

const TOPIC = 'users.events.v1';
const ROLE = z.enum(['USER', 'AGENT', 'MODERATOR', 'ADMIN']);

export const userRegistered = defineEvent({
  type: 'user.registered',
  version: 1,
  topic: TOPIC,
  aggregateType: 'User',
  description: 'An account was created; its email is not verified yet.',
  payload: z.object({ userId: uuid(), email: z.email(), displayName: z.string(), roles: z.array(ROLE) }),
});

/**
 * The one-time tokens below travel to the notification worker, which mails them: the topic is readable
 * only by users and the notification worker. Only their hashes are stored.
 */
export const emailVerificationRequested = defineEvent({
  type: 'user.email_verification_requested',
  version: 1,
  topic: TOPIC,
  aggregateType: 'User',
  description: 'A verification link must be mailed to the user; the token is valid until expiresAt.',
  payload: z.object({ userId: uuid(), email: z.email(), token: z.string(), expiresAt: z.iso.datetime() }),
});

export const emailVerified = defineEvent({
  type: 'user.email_verified',
  version: 1,
  topic: TOPIC,
  aggregateType: 'User',
  description: "The user proved they own the account's email address.",
  payload: z.object({ userId: uuid(), email: z.email() }),
});

export const passwordResetRequested = defineEvent({
  type: 'user.password_reset_requested',
  version: 1,
  topic: TOPIC,
  aggregateType: 'User',
  description: 'A password-reset link must be mailed to the user; the token is valid until expiresAt.',
  payload: z.object({ userId: uuid(), email: z.email(), token: z.string(), expiresAt: z.iso.datetime() }),
});

export const passwordChanged = defineEvent({
  type: 'user.password_changed',
  version: 1,
  topic: TOPIC,
  aggregateType: 'User',
  description: 'The password changed (by the user or through a reset); every session was revoked.',
  payload: z.object({ userId: uuid(), via: z.enum(['CHANGE', 'RESET']) }),
});

export const sessionsRevoked = defineEvent({
  type: 'user.sessions_revoked',
  version: 1,
  topic: TOPIC,
  aggregateType: 'User',
  description:
    'Refresh-token families were revoked: on logout, password change, or reuse of a spent refresh token (a sign of theft).',
  payload: z.object({
    userId: uuid(),
    reason: z.enum(['LOGOUT', 'PASSWORD_CHANGED', 'REFRESH_TOKEN_REUSED']),
    familyIds: z.array(uuid()),
  }),
});

export const rolesChanged = defineEvent({
  type: 'user.roles_changed',
  version: 1,
  topic: TOPIC,
  aggregateType: 'User',
  description: "An admin changed a user's platform roles; they apply from the user's next token refresh.",
  payload: z.object({ userId: uuid(), roles: z.array(ROLE).min(1), changedBy: uuid() }),
});
