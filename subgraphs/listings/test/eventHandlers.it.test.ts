import { OutboxWriter, uuidv7, type EventEnvelope } from '@homegraph/platform';
import { eventCatalog } from '@homegraph/schema';
import pino from 'pino';
import { createSubgraphDatabase, type TestDatabase } from '../../../test/support/databases';
import { createPrismaClient, type PrismaClient } from '../src/data/prisma';
import { ListingService } from '../src/domain/listingService';
import { listingsEventHandlers } from '../src/events/handlers';

const logger = pino({ level: 'silent' });

/** The listings handlers against real PostgreSQL, called as the consumer runtime calls them. */
describe('listings event handlers', () => {
  let database: TestDatabase;
  let prisma: PrismaClient;
  let service: ListingService;
  let handlers: ReturnType<typeof listingsEventHandlers>;
  const writer = new OutboxWriter(eventCatalog(), 'test');

  const deliver = (type: string, aggregate: { id: string; version: number }, payload: object) => {
    const { envelope } = writer.toEnvelope({
      type,
      aggregate,
      actor: { type: 'system', id: 'test' },
      payload,
    });
    return prisma.$transaction((tx) =>
      (handlers[type] as (event: EventEnvelope, context: object) => Promise<void>)(envelope, {
        tx,
        logger,
        attempt: 1,
      }),
    );
  };
  const membership = (organizationId: string, userId: string) =>
    prisma.organizationMembership.findUnique({
      where: { organizationId_userId: { organizationId, userId } },
    });

  beforeAll(async () => {
    database = await createSubgraphDatabase('listings');
    prisma = createPrismaClient(database.url);
    service = new ListingService(prisma, writer);
    handlers = listingsEventHandlers(service);
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await database?.drop();
  });

  it('keeps the newest membership state, whatever order the events arrive in', async () => {
    const organizationId = uuidv7();
    const userId = uuidv7();
    await deliver(
      'organization.member_joined',
      { id: organizationId, version: 2 },
      {
        organizationId,
        userId,
        role: 'AGENT',
        invitationId: null,
      },
    );
    expect((await membership(organizationId, userId))?.role).toBe('AGENT');
    await deliver(
      'organization.member_removed',
      { id: organizationId, version: 5 },
      { organizationId, userId },
    );
    expect((await membership(organizationId, userId))?.role).toBeNull();
    // A retried join (version 2) arriving after the removal must not bring the member back.
    await deliver(
      'organization.member_joined',
      { id: organizationId, version: 2 },
      {
        organizationId,
        userId,
        role: 'AGENT',
        invitationId: null,
      },
    );
    expect(await membership(organizationId, userId)).toMatchObject({ role: null, organizationVersion: 5 });
  });

  it('applies a decision to a listing in review, and ignores one about a listing that moved on', async () => {
    const organizationId = uuidv7();
    const ownerId = uuidv7();
    await deliver(
      'organization.member_joined',
      { id: organizationId, version: 1 },
      {
        organizationId,
        userId: ownerId,
        role: 'OWNER',
        invitationId: null,
      },
    );
    const caller = { subject: ownerId, roles: ['USER'] };
    const draft = await service.create(caller, {
      organizationId,
      title: 'Quiet flat with a garden',
      description: 'Ground floor, private garden, two bedrooms and a new kitchen.',
      propertyType: 'RESIDENTIAL',
      propertySubType: null,
      listPrice: 300000,
      leaseAmount: null,
      leaseAmountFrequency: null,
      currency: 'EUR',
      bedroomsTotal: 2,
      bathroomsTotalInteger: 1,
      livingArea: null,
      livingAreaUnits: null,
      lotSizeArea: null,
      lotSizeUnits: null,
      yearBuilt: null,
      streetNumber: null,
      streetName: null,
      unitNumber: null,
      postalCode: null,
      stateOrProvince: null,
      city: 'Lisbon',
      countryCode: 'PT',
      latitude: 38.72,
      longitude: -9.14,
    });
    const decision = (listingId: string, verdict: string) => ({
      caseId: uuidv7(),
      listingId,
      decision: verdict,
      reasons: ['photos do not match the address'],
      decidedBy: { type: 'moderator', id: 'm-1' },
    });
    // Still a draft: nothing to decide.
    await deliver('moderation.decision.made', { id: uuidv7(), version: 1 }, decision(draft.id, 'APPROVED'));
    expect((await prisma.listing.findUniqueOrThrow({ where: { id: draft.id } })).status).toBe('DRAFT');

    await service.transition(caller, draft.id, 'SUBMIT');
    await deliver('moderation.decision.made', { id: uuidv7(), version: 1 }, decision(draft.id, 'REJECTED'));
    const rejected = await prisma.listing.findUniqueOrThrow({ where: { id: draft.id } });
    expect(rejected).toMatchObject({ status: 'REJECTED', version: 3 });
    const events = await prisma.outboxEvent.findMany({
      where: { partitionKey: draft.id },
      orderBy: { id: 'asc' },
    });
    const last = JSON.parse(events.at(-1)!.value) as EventEnvelope<{ to: string; reason: string }>;
    expect(last).toMatchObject({
      type: 'listing.status_changed',
      aggregate: { version: 3 },
      payload: { to: 'REJECTED', reason: 'photos do not match the address' },
    });
  });
});
