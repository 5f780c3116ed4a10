/**
 * Seeds the demo world (scripts/src/demo/world.ts) into the users, orgs and listings databases; safe
 * to run again. A development tool only: it writes rows directly, without events, which no service
 * ever does.
 */
import { createLogger } from '@homegraph/platform';
import { createPrismaClient as listingsClient } from '@homegraph/subgraph-listings/dist/data/prisma';
import { createPrismaClient as orgsClient } from '@homegraph/subgraph-orgs/dist/data/prisma';
import { createPrismaClient as usersClient } from '@homegraph/subgraph-users/dist/data/prisma';
import { hashPassword } from '@homegraph/subgraph-users/dist/domain/credentials';
import { DEMO_PASSWORD, demoWorld, type DemoWorld } from './demo/world';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required (source scripts/local-env.sh)`);
  return value;
}

async function seedUsers(world: DemoWorld): Promise<void> {
  const prisma = usersClient(required('USERS_DATABASE_URL'));
  try {
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    for (const user of world.users) {
      await prisma.user.upsert({
        where: { id: user.id },
        create: { ...user, passwordHash, emailVerifiedAt: new Date(), version: 1 },
        update: {},
      });
    }
  } finally {
    await prisma.$disconnect();
  }
}

async function seedOrgs(world: DemoWorld): Promise<void> {
  const prisma = orgsClient(required('ORGS_DATABASE_URL'));
  try {
    for (const agency of world.agencies) {
      const owner = agency.members.find((member) => member.role === 'OWNER');
      await prisma.organization.upsert({
        where: { id: agency.id },
        create: {
          id: agency.id,
          name: agency.name,
          createdBy: owner?.userId ?? agency.members[0]!.userId,
          version: 1,
        },
        update: {},
      });
      await prisma.membership.createMany({
        data: agency.members.map((member) => ({ organizationId: agency.id, ...member })),
        skipDuplicates: true,
      });
    }
  } finally {
    await prisma.$disconnect();
  }
}

async function seedListings(world: DemoWorld): Promise<void> {
  const prisma = listingsClient(required('LISTINGS_DATABASE_URL'));
  try {
    // The projection listings keeps of memberships (normally fed by orgs events).
    await prisma.organizationMembership.createMany({
      data: world.agencies.flatMap((agency) =>
        agency.members.map((member) => ({
          organizationId: agency.id,
          userId: member.userId,
          role: member.role,
          organizationVersion: 1,
        })),
      ),
      skipDuplicates: true,
    });
    await prisma.listing.createMany({ data: world.listings, skipDuplicates: true });
    const priced = await prisma.listingPriceHistory.findMany({
      where: { listingId: { in: world.listings.map((listing) => listing.id) } },
      distinct: ['listingId'],
      select: { listingId: true },
    });
    const alreadyPriced = new Set(priced.map((row) => row.listingId));
    await prisma.listingPriceHistory.createMany({
      data: world.listings
        .filter((listing) => !alreadyPriced.has(listing.id))
        .flatMap((listing) => {
          const amount = listing.listPrice ?? listing.leaseAmount;
          return amount === null ? [] : [{ listingId: listing.id, amount, currency: listing.currency }];
        }),
    });
  } finally {
    await prisma.$disconnect();
  }
}

async function main(): Promise<void> {
  const logger = createLogger({ service: 'seed', level: process.env['LOG_LEVEL'] ?? 'info' });
  const world = demoWorld();
  await seedUsers(world);
  await seedOrgs(world);
  await seedListings(world);
  logger.info(
    { users: world.users.length, agencies: world.agencies.length, listings: world.listings.length },
    `seeded the demo world; every demo account's password is "${DEMO_PASSWORD}"`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`seed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
