import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/** A UUID version 7: time-ordered, so event ids sort by creation time. */
export function uuidv7(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Who caused the change: a user, a partner client, or the platform itself. */
export const actorSchema = z.object({
  type: z.enum(['user', 'partner', 'system']),
  id: z.string().min(1),
});

/**
 * The envelope every event travels in (schema/events/envelope.schema.json is generated from it).
 * `payload` is validated separately, against the contract of `type` at `version`.
 */
export const envelopeSchema = z.object({
  eventId: z.string().regex(UUID),
  type: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/),
  version: z.number().int().positive(),
  occurredAt: z.iso.datetime({ offset: true }),
  producer: z.string().min(1),
  aggregate: z.object({
    type: z.string().min(1),
    id: z.string().min(1),
    version: z.number().int().nonnegative(),
  }),
  actor: actorSchema,
  payload: z.unknown(),
});

export type Actor = z.infer<typeof actorSchema>;

export interface EventEnvelope<TPayload = unknown> {
  eventId: string;
  type: string;
  version: number;
  occurredAt: string;
  producer: string;
  aggregate: { type: string; id: string; version: number };
  actor: Actor;
  payload: TPayload;
}

/** Kafka header names used by the platform. */
export const HEADERS = {
  eventId: 'hg-event-id',
  eventType: 'hg-event-type',
  eventVersion: 'hg-event-version',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  attempt: 'hg-attempt',
  notBefore: 'hg-retry-not-before',
  firstFailureAt: 'hg-first-failure-at',
  originalTopic: 'hg-original-topic',
  originalPartition: 'hg-original-partition',
  originalOffset: 'hg-original-offset',
  originalKey: 'hg-original-key',
  errorClass: 'hg-error-class',
  errorMessage: 'hg-error-message',
  lastFailureAt: 'hg-last-failure-at',
  deadLetteredAt: 'hg-dead-lettered-at',
  replayedAt: 'hg-replayed-at',
} as const;
