import type { Kafka } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import { OutboxWriter } from '../../platform/src/events/outbox';
import { eventCatalog } from '../../schema/src';
import { DRAFT_LISTING, moderationDecision } from './e2eFixtures';
import { eventually } from './eventually';
import { graphql, type GraphQLReply } from './stack';

/** The fields of a session the end-to-end tests select. */
export const SESSION = 'user { id email displayName } accessToken refreshToken';

export interface Session {
  user: { id: string; email: string; displayName: string };
  accessToken: string;
  refreshToken: string;
}

export const codes = (reply: GraphQLReply<unknown>) =>
  (reply.errors ?? []).map((error) => error.extensions?.code);

/**
 * The steps end-to-end tests take through the router as a frontend would, plus the moderation event a
 * later subgraph will publish. `target` is read at each call, so the client can be made before the
 * stack is up.
 */
export function e2eClient(target: () => { routerUrl: string; kafka: Kafka }) {
  const call = <T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ) => graphql<T>(target().routerUrl, query, variables, token ? { authorization: `Bearer ${token}` } : {});

  const register = async (email: string): Promise<Session> => {
    const reply = await call<{ register: Session }>(
      `mutation ($input: RegisterInput!) { register(input: $input) { ${SESSION} } }`,
      { input: { email, password: 'a long enough password', displayName: email.split('@')[0] } },
    );
    expect(reply.errors).toBeUndefined();
    return reply.data!.register;
  };

  const createOrganization = async (session: Session, name: string): Promise<string> => {
    const reply = await call<{ createOrganization: { organization: { id: string } } }>(
      `mutation ($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } } }`,
      { input: { name } },
      session.accessToken,
    );
    expect(reply.errors).toBeUndefined();
    return reply.data!.createOrganization.organization.id;
  };

  /** A DRAFT listing of the agency; listings learns memberships from orgs events, so it may take a moment. */
  const createListing = async (session: Session, organizationId: string): Promise<string> => {
    let id = '';
    await eventually('membership reaches listings', async () => {
      const reply = await call<{ createListing: { listing: { id: string; status: string } } }>(
        `mutation ($input: CreateListingInput!) { createListing(input: $input) { listing { id status } } }`,
        { input: { ...DRAFT_LISTING, organizationId } },
        session.accessToken,
      );
      if (codes(reply).includes('FORBIDDEN')) return false;
      expect(reply.errors).toBeUndefined();
      expect(reply.data!.createListing.listing.status).toBe('DRAFT');
      id = reply.data!.createListing.listing.id;
      return true;
    });
    return id;
  };

  /** Publishes a moderation decision about the listing, as the moderation subgraph will. */
  const decide = async (listingId: string, decision: 'APPROVED' | 'REJECTED') => {
    const [record] = new OutboxWriter(eventCatalog(), 'moderation').records(
      moderationDecision(listingId, decision),
    );
    const producer = target().kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await producer.send({
        topic: record!.topic,
        messages: [{ key: record!.key, value: record!.value, headers: record!.headers }],
      });
    } finally {
      await producer.disconnect();
    }
  };

  return { call, register, createOrganization, createListing, decide };
}
