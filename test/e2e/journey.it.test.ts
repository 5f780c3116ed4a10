import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { generateSigningKey, signToken } from '../../platform/src/auth/tokens';
import { codes, e2eClient, SESSION, type Session } from '../support/e2eClient';
import { DRAFT_LISTING } from '../support/e2eFixtures';
import { eventually } from '../support/eventually';
import { graphql, startStack, type Stack } from '../support/stack';

const PARTNER_KEY = `partner-${process.pid}-${Date.now()}-key`;

/**
 * The first slice of the product, black-box through the router on real servers: sign up, create an
 * agency, draft a listing, submit it, have it approved (by a moderation event), edit it, invite a
 * colleague — and every class of bad input refused with its code and nothing written.
 */
describe('journey through the router', () => {
  let stack: Stack;
  let listingsDb: Client;
  let kafka: Kafka;
  const { call, register, createOrganization, createListing, decide } = e2eClient(() => ({
    routerUrl: stack.router.url,
    kafka,
  }));

  const listingRow = async (id: string) =>
    (await listingsDb.query('SELECT status, version, title, list_price FROM listings WHERE id = $1', [id]))
      .rows[0];

  beforeAll(async () => {
    stack = await startStack({
      PARTNER_CLIENTS: JSON.stringify([
        { name: 'demo-partner', keySha256: createHash('sha256').update(PARTNER_KEY).digest('hex') },
      ]),
      RATE_LIMIT_USER_PER_MINUTE: '40',
    });
    listingsDb = new Client({ connectionString: stack.databases.listings.url });
    await listingsDb.connect();
    kafka = new Kafka({
      brokers: (process.env['KAFKA_BROKERS'] as string).split(','),
      logLevel: logLevel.NOTHING,
    });
  });

  afterAll(async () => {
    await listingsDb?.end();
    await stack?.stop();
  });

  it('signs up, creates an agency, drafts, submits, gets approved, edits back to review, withdraws', async () => {
    const ada = await register('ada@agency.example');
    const me = await call<{ me: { id: string; email: string } }>('{ me { id email } }', {}, ada.accessToken);
    expect(me.data?.me).toEqual({ id: ada.user.id, email: 'ada@agency.example' });

    const organizationId = await createOrganization(ada, 'Canal Homes');
    const listingId = await createListing(ada, organizationId);
    const update = `mutation ($input: UpdateListingInput!) { updateListing(input: $input) { listing { status listPrice } } }`;
    const transition = (name: string, input: Record<string, unknown>) =>
      call<Record<string, { listing: { status: string } }>>(
        `mutation ($input: ListingTransitionInput!) { ${name}(input: $input) { listing { status } } }`,
        { input },
        ada.accessToken,
      );

    const updated = await call<{ updateListing: { listing: { listPrice: number; status: string } } }>(
      update,
      { input: { id: listingId, listPrice: 445000 } },
      ada.accessToken,
    );
    expect(updated.data?.updateListing.listing).toEqual({ listPrice: 445000, status: 'DRAFT' });

    const submitted = await transition('submitListing', { id: listingId });
    expect(submitted.data?.['submitListing']?.listing.status).toBe('PENDING_REVIEW');

    // A stranger can't see a listing under review.
    const hidden = await call('query ($id: ID!) { listing(id: $id) { id } }', { id: listingId });
    expect({ data: hidden.data, errors: hidden.errors }).toEqual({
      data: { listing: null },
      errors: undefined,
    });

    await decide(listingId, 'APPROVED');
    await eventually('listing approved', async () => (await listingRow(listingId))?.status === 'ACTIVE');

    // One query, three subgraphs: the listing, its agent (users) and its agency (orgs).
    const page = await call<{ listing: Record<string, unknown> }>(
      `query ($id: ID!) { listing(id: $id) {
         id status standardStatus listPrice priceHistory { amount }
         owner { id displayName } organization { id name listings { id } }
       } }`,
      { id: listingId },
    );
    expect(page.errors).toBeUndefined();
    expect(page.data?.listing).toMatchObject({
      status: 'ACTIVE',
      standardStatus: 'Active',
      listPrice: 445000,
      priceHistory: [{ amount: 450000 }, { amount: 445000 }],
      owner: { id: ada.user.id, displayName: 'ada' },
      organization: { id: organizationId, name: 'Canal Homes', listings: [{ id: listingId }] },
    });

    // A price change keeps it active; a material edit sends it back to review.
    const repriced = await call<{ updateListing: { listing: { status: string } } }>(
      update,
      { input: { id: listingId, listPrice: 439000 } },
      ada.accessToken,
    );
    expect(repriced.data?.updateListing.listing.status).toBe('ACTIVE');
    const edited = await call<{ updateListing: { listing: { status: string } } }>(
      update,
      { input: { id: listingId, bedroomsTotal: 3 } },
      ada.accessToken,
    );
    expect(edited.data?.updateListing.listing.status).toBe('PENDING_REVIEW');

    const withdrawn = await transition('withdrawListing', {
      id: listingId,
      reason: 'the owner changed their mind',
    });
    expect(withdrawn.data?.['withdrawListing']?.listing.status).toBe('WITHDRAWN');
    // Withdrawn is not final, but it can't go straight to sold.
    const before = await listingRow(listingId);
    const illegal = await transition('markListingSold', { id: listingId });
    expect(codes(illegal)).toEqual(['CONFLICT']);
    expect(await listingRow(listingId)).toEqual(before);

    const mine = await call<{ myListings: Array<{ id: string; status: string }> }>(
      '{ myListings { id status } }',
      {},
      ada.accessToken,
    );
    expect(mine.data?.myListings).toEqual([{ id: listingId, status: 'WITHDRAWN' }]);
  });

  it('invites a colleague, who joins, appears among the members and may list for the agency', async () => {
    const owner = await register('owner@agency.example');
    const colleague = await register('colleague@agency.example');
    const organizationId = await createOrganization(owner, 'Harbour Realty');
    const invite = await call<{ inviteMember: { invitationToken: string } }>(
      `mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { invitation { id status } invitationToken } }`,
      { input: { organizationId, email: 'colleague@agency.example', role: 'AGENT' } },
      owner.accessToken,
    );
    expect(invite.errors).toBeUndefined();
    const accepted = await call(
      `mutation ($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { membership { role } } }`,
      { input: { token: invite.data!.inviteMember.invitationToken } },
      colleague.accessToken,
    );
    expect(accepted.errors).toBeUndefined();
    const members = await call<{
      organization: { members: Array<{ role: string; user: { displayName: string } }> };
    }>(
      'query ($id: ID!) { organization(id: $id) { name members { role user { id displayName } } } }',
      { id: organizationId },
      colleague.accessToken,
    );
    expect(members.errors).toBeUndefined();
    expect(
      members.data?.organization.members.map((member) => [member.user.displayName, member.role]).sort(),
    ).toEqual([
      ['colleague', 'AGENT'],
      ['owner', 'OWNER'],
    ]);
    await createListing(colleague, organizationId);
  });

  describe('refusals, each with its code and nothing written', () => {
    let session: Session;
    beforeAll(async () => {
      session = await register('refusals@agency.example');
    });

    const meWith = (token: string) => call('{ me { id } }', {}, token);

    it('a wrong password', async () => {
      const reply = await call(`mutation ($input: LoginInput!) { login(input: $input) { accessToken } }`, {
        input: { email: 'refusals@agency.example', password: 'not the password' },
      });
      expect(codes(reply)).toEqual(['UNAUTHENTICATED']);
    });

    it('expired, forged, alg-none, RS256 and wrong-typ access tokens', async () => {
      const claims = {
        type: 'access' as const,
        issuer: 'homegraph-users',
        audience: 'homegraph',
        subject: session.user.id,
      };
      const expired = await signToken(stack.accessKey, { ...claims, ttlSeconds: -60 });
      const forged = await signToken(await generateSigningKey(), { ...claims, ttlSeconds: 300 });
      const wrongType = await signToken(stack.accessKey, { ...claims, type: 'internal', ttlSeconds: 300 });
      const [header, payload] = session.accessToken.split('.') as [string, string];
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const headerOf = JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>;
      const algNone = `${encode({ ...headerOf, alg: 'none' })}.${payload}.`;
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const rsaInput = `${encode({ ...headerOf, alg: 'RS256' })}.${payload}`;
      const rsaSigned = `${rsaInput}.${sign('sha256', Buffer.from(rsaInput), rsa.privateKey).toString('base64url')}`;
      for (const token of [expired, forged, wrongType, algNone, rsaSigned]) {
        const reply = await meWith(token);
        expect({ status: reply.status, codes: codes(reply) }).toEqual({
          status: 401,
          codes: ['UNAUTHENTICATED'],
        });
      }
      expect((await meWith(session.accessToken)).errors).toBeUndefined();
    });

    it('a refresh token used as an access token, and the reverse', async () => {
      const asAccess = await meWith(session.refreshToken);
      expect({ status: asAccess.status, codes: codes(asAccess) }).toEqual({
        status: 401,
        codes: ['UNAUTHENTICATED'],
      });
      const asRefresh = await call(
        `mutation ($input: RefreshSessionInput!) { refreshSession(input: $input) { accessToken } }`,
        { input: { refreshToken: session.accessToken } },
      );
      expect(codes(asRefresh)).toEqual(['UNAUTHENTICATED']);
    });

    it('a reused refresh token, which ends the whole sign-in', async () => {
      const fresh = await call<{ login: Session }>(
        `mutation ($input: LoginInput!) { login(input: $input) { ${SESSION} } }`,
        { input: { email: 'refusals@agency.example', password: 'a long enough password' } },
      );
      const refresh = (token: string) =>
        call<{ refreshSession: Session }>(
          `mutation ($input: RefreshSessionInput!) { refreshSession(input: $input) { ${SESSION} } }`,
          { input: { refreshToken: token } },
        );
      const rotated = await refresh(fresh.data!.login.refreshToken);
      expect(rotated.errors).toBeUndefined();
      expect(codes(await refresh(fresh.data!.login.refreshToken))).toEqual(['UNAUTHENTICATED']);
      expect(codes(await refresh(rotated.data!.refreshSession.refreshToken))).toEqual(['UNAUTHENTICATED']);
    });

    it("editing another user's listing", async () => {
      const owner = await register('lister@agency.example');
      const organizationId = await createOrganization(owner, 'Lister Estates');
      const listingId = await createListing(owner, organizationId);
      const before = await listingRow(listingId);
      const edit = `mutation ($input: UpdateListingInput!) { updateListing(input: $input) { listing { id } } }`;
      const input = { input: { id: listingId, title: 'Somebody else’s listing now' } };
      // Drafts are invisible to strangers, so the answer doesn't even confirm the listing exists.
      expect(codes(await call(edit, input, session.accessToken))).toEqual(['NOT_FOUND']);
      expect(codes(await call(edit, input))).toEqual(['UNAUTHENTICATED']);
      expect(await listingRow(listingId)).toEqual(before);
    });

    it('bad input, with a request id and no internals', async () => {
      const reply = await call(
        `mutation ($input: CreateListingInput!) { createListing(input: $input) { listing { id } } }`,
        { input: { ...DRAFT_LISTING, latitude: 123 } },
        session.accessToken,
      );
      expect(codes(reply)).toEqual(['BAD_USER_INPUT']);
      expect(reply.errors?.[0]?.extensions?.['requestId']).toEqual(expect.any(String));
      expect(JSON.stringify(reply)).not.toMatch(/stack|serviceName|127\.0\.0\.1|prisma/i);
    });

    it('a direct subgraph call without the router token', async () => {
      for (const service of Object.values(stack.subgraphs)) {
        const response = await fetch(`${service.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${session.accessToken}` },
          body: JSON.stringify({ query: '{ __typename }' }),
        });
        expect(response.status).toBe(401);
      }
    });

    it('a non-safelisted operation with a partner key', async () => {
      const partner = { 'x-api-key': PARTNER_KEY };
      const allowed = await graphql(
        stack.router.url,
        'query DemoPartnerListings($first: Int!) { listings(first: $first) { id title city countryCode listPrice currency status } }',
        { first: 2 },
        partner,
      );
      expect(allowed.errors).toBeUndefined();
      const refused = await graphql(
        stack.router.url,
        '{ listings(first: 2) { id description } }',
        {},
        partner,
      );
      expect(codes(refused)).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    });

    it('depth and alias bombs', async () => {
      // owner → listings → organization → listings → owner …, 24 levels deep.
      const levels = Array.from({ length: 6 }, () => 'owner { listings { organization { listings {').join(
        ' ',
      );
      const deep = `{ listings(first: 1) { ${levels} id ${'} '.repeat(24)}} }`;
      expect(codes(await call(deep))).toEqual(['BAD_USER_INPUT']);
      const aliases = `{ ${Array.from({ length: 60 }, (_, i) => `a${i}: listings(first: 1) { id }`).join(' ')} }`;
      expect(codes(await call(aliases))).toEqual(['BAD_USER_INPUT']);
    });

    it('a burst past the per-user rate limit', async () => {
      const burst = await register('burst@agency.example');
      const replies = await Promise.all(Array.from({ length: 60 }, () => meWith(burst.accessToken)));
      const limited = replies.filter((reply) => reply.status === 429);
      expect(limited.length).toBeGreaterThan(0);
      expect(codes(limited[0]!)).toEqual(['RATE_LIMITED']);
      expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
      // Others are unaffected.
      expect((await meWith(session.accessToken)).status).toBe(200);
    });
  });
});
