import type { FormattedExecutionResult } from 'graphql';
import { randomUUID } from 'node:crypto';
import type { NewEvent } from '../../platform/src/events/outbox';
import { moderationDecisionMade } from '../../schema/src';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** A complete, valid draft of a sale in Amsterdam, ready for review. */
export const DRAFT_LISTING = {
  title: 'Bright flat by the canal',
  description: 'Two bedrooms, a balcony over the water and a renovated kitchen.',
  propertyType: 'RESIDENTIAL',
  propertySubType: 'APARTMENT',
  listPrice: 450000,
  currency: 'EUR',
  bedroomsTotal: 2,
  bathroomsTotalInteger: 1,
  livingArea: 74,
  livingAreaUnits: 'SQUARE_METERS',
  streetName: 'Prinsengracht',
  streetNumber: '263',
  postalCode: '1016 GV',
  city: 'Amsterdam',
  countryCode: 'NL',
  latitude: 52.3752,
  longitude: 4.884,
};

/** What the moderation subgraph will publish about a listing: a decision, arriving only as an event. */
export function moderationDecision(listingId: string, decision: 'APPROVED' | 'REJECTED'): NewEvent {
  return {
    type: moderationDecisionMade.type,
    aggregate: { id: randomUUID(), version: 1 },
    actor: { type: 'user', id: 'moderator-1' },
    payload: {
      caseId: randomUUID(),
      listingId,
      decision,
      reasons: [],
      decidedBy: { type: 'moderator', id: 'moderator-1' },
    },
  };
}

/** One graphql-ws subscription, recording what arrives and how the socket ends. */
export interface Subscription {
  results: FormattedExecutionResult[];
  errors: unknown[];
  closed: Promise<{ code: number; reason: string }>;
  dispose(): Promise<void>;
}

/**
 * Subscribes through the router's graphql-ws endpoint, as a browser would: `authorization` is
 * `Bearer <access token>` (anonymous when omitted); `extensions` go with the subscribe message, e.g.
 * `{ lastEventId }` to resume.
 */
export function subscribe(
  routerUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  authorization?: string,
  extensions?: Record<string, unknown>,
): Subscription {
  let onClosed: (event: { code: number; reason: string }) => void = () => undefined;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const client: Client = createClient({
    url: `${routerUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: authorization ? { authorization } : {},
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined,
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        onClosed({ code, reason: String(reason) });
      },
    },
  });
  const subscription: Subscription = {
    results: [],
    errors: [],
    closed,
    dispose: () => client.dispose() as Promise<void>,
  };
  client.subscribe(
    { query, variables, ...(extensions ? { extensions } : {}) },
    {
      next: (result) => void subscription.results.push(result as FormattedExecutionResult),
      error: (error) => void subscription.errors.push(error),
      complete: () => undefined,
    },
  );
  return subscription;
}
