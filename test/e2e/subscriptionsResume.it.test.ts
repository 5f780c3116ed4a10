import type { FormattedExecutionResult } from 'graphql';
import { decodeJwt } from 'jose';
import { loadSigningKey, signToken } from '../../platform/src/auth/tokens';
import { DRAFT_LISTING, subscribe, type Subscription } from '../support/e2eFixtures';
import { eventually } from '../support/eventually';
import { readyStatus, startService, type ServiceProcess } from '../support/serviceProcess';
import { graphql, routerEnvironment, startStack, type GraphQLReply, type Stack } from '../support/stack';

interface Session {
  user: { id: string };
  accessToken: string;
}

const activeSubscriptions = async (routerUrl: string): Promise<number> => {
  const text = await (await fetch(`${routerUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => /^graphql_subscriptions_active[{ ]/.test(line))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
};

const eventIdOf = (result: FormattedExecutionResult) => result.extensions?.['eventId'] as string;
const priceOf = (result: FormattedExecutionResult) =>
  (result.data?.['listingUpdated'] as { listPrice: number }).listPrice;

/**
 * A subscriber that saw event A, while its router is stopped and B and C happen, resubscribes on a
 * new router process with A's id: it gets B and C, in order, then live events, nothing twice.
 */
describe('resuming a subscription after a router restart', () => {
  let stack: Stack;
  const routers: ServiceProcess[] = [];
  const open: Subscription[] = [];

  const routerEnv = () => ({
    ...routerEnvironment(stack),
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'] as string,
  });

  const call = <T = Record<string, unknown>>(
    routerUrl: string,
    query: string,
    variables: Record<string, unknown>,
    token?: string,
  ): Promise<GraphQLReply<T>> =>
    graphql<T>(routerUrl, query, variables, token ? { authorization: `Bearer ${token}` } : {});

  /** Changes a listing's price on the listings subgraph itself, as the router would: no router needed. */
  const repriceDirectly = async (session: Session, id: string, listPrice: number) => {
    const roles = (decodeJwt(session.accessToken)['roles'] as string[] | undefined) ?? [];
    const token = await signToken(await loadSigningKey(stack.keys.ROUTER_SIGNING_KEY), {
      type: 'internal',
      issuer: 'homegraph-router',
      audience: 'listings',
      subject: session.user.id,
      ttlSeconds: 60,
      claims: { roles },
    });
    const response = await fetch(`${stack.subgraphs.listings.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query:
          'mutation ($input: UpdateListingInput!) { updateListing(input: $input) { listing { listPrice } } }',
        variables: { input: { id, listPrice } },
      }),
    });
    expect(await response.json()).toEqual({ data: { updateListing: { listing: { listPrice } } } });
  };

  const reprice = async (routerUrl: string, session: Session, id: string, listPrice: number) => {
    const reply = await call(
      routerUrl,
      'mutation ($input: UpdateListingInput!) { updateListing(input: $input) { listing { listPrice } } }',
      { input: { id, listPrice } },
      session.accessToken,
    );
    expect(reply.errors).toBeUndefined();
  };

  beforeAll(async () => {
    stack = await startStack({ KAFKA_BROKERS: process.env['KAFKA_BROKERS'] as string });
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((subscription) => subscription.dispose()));
  });

  afterAll(async () => {
    await Promise.all(routers.map((router) => router.stop()));
    await stack?.stop();
  });

  const QUERY = 'subscription ($id: ID!) { listingUpdated(id: $id) { id listPrice owner { displayName } } }';

  const draftOf = async (routerUrl: string, email: string): Promise<{ session: Session; id: string }> => {
    const registered = await call<{ register: Session }>(
      routerUrl,
      'mutation ($input: RegisterInput!) { register(input: $input) { user { id } accessToken } }',
      { input: { email, password: 'a long enough password', displayName: email.split('@')[0] } },
    );
    expect(registered.errors).toBeUndefined();
    const session = registered.data!.register;
    const organization = await call<{ createOrganization: { organization: { id: string } } }>(
      routerUrl,
      'mutation ($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } } }',
      { input: { name: `${email} agency` } },
      session.accessToken,
    );
    expect(organization.errors).toBeUndefined();
    let id = '';
    await eventually('membership reaches listings', async () => {
      const reply = await call<{ createListing: { listing: { id: string } } }>(
        routerUrl,
        'mutation ($input: CreateListingInput!) { createListing(input: $input) { listing { id } } }',
        {
          input: { ...DRAFT_LISTING, organizationId: organization.data!.createOrganization.organization.id },
        },
        session.accessToken,
      );
      if (reply.errors?.some((error) => error.extensions?.code === 'FORBIDDEN')) return false;
      expect(reply.errors).toBeUndefined();
      id = reply.data!.createListing.listing.id;
      return true;
    });
    return { session, id };
  };

  it('replays what a subscriber missed while its router was down, then goes live, nothing twice', async () => {
    const { session, id } = await draftOf(stack.router.url, 'dora@resume.example');
    const bearer = `Bearer ${session.accessToken}`;

    const before = subscribe(stack.router.url, QUERY, { id }, bearer);
    open.push(before);
    await eventually('subscribed', async () => (await activeSubscriptions(stack.router.url)) === 1);
    await reprice(stack.router.url, session, id, 600000);
    await eventually('A delivered', async () => before.results.length === 1);
    const a = before.results[0]!;
    expect(a).toEqual({
      data: { listingUpdated: { id, listPrice: 600000, owner: { displayName: 'dora' } } },
      extensions: { eventId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });

    await stack.router.stop();
    await before.dispose();
    await repriceDirectly(session, id, 590000);
    await repriceDirectly(session, id, 580000);

    const router = await startService('router/dist/main.js', routerEnv());
    routers.push(router);
    await eventually('new router ready', async () => (await readyStatus(router.url)) === 200);

    const after = subscribe(router.url, QUERY, { id }, bearer, { lastEventId: eventIdOf(a) });
    open.push(after);
    await eventually('B and C replayed', async () => after.results.length === 2);
    // A replayed event is resolved now, like a live one: both show the listing as it is after C.
    expect(after.results.map(priceOf)).toEqual([580000, 580000]);

    await reprice(router.url, session, id, 570000);
    await eventually('D delivered live', async () => after.results.length === 3);
    expect(after.results.map(priceOf)).toEqual([580000, 580000, 570000]);

    // One more live event: had anything been delivered twice, it would have come before this one.
    await reprice(router.url, session, id, 560000);
    await eventually('E delivered live', async () => after.results.length === 4);
    expect(after.results.map(priceOf)).toEqual([580000, 580000, 570000, 560000]);
    const ids = after.results.map(eventIdOf);
    // B, C, D, E: four distinct events, each after A, in the order they happened.
    expect(new Set([eventIdOf(a), ...ids]).size).toBe(5);
    expect([eventIdOf(a), ...ids].sort()).toEqual([eventIdOf(a), ...ids]);
    expect(after.errors).toEqual([]);
  });

  it('answers BAD_USER_INPUT to a lastEventId that is not an event id', async () => {
    const router = routers[0] ?? stack.router;
    const { session, id } = await draftOf(router.url, 'emil@resume.example');
    const malformed = subscribe(router.url, QUERY, { id }, `Bearer ${session.accessToken}`, {
      lastEventId: 'yesterday',
    });
    open.push(malformed);
    await eventually('refused', async () => malformed.errors.length === 1);
    expect(malformed.errors[0]).toEqual([
      expect.objectContaining({
        message: 'lastEventId must be an event id (a UUIDv7)',
        extensions: { code: 'BAD_USER_INPUT' },
      }),
    ]);
    expect(malformed.results).toEqual([]);
  });
});
