import { on } from '@homegraph/platform';
import { memberJoined, memberRemoved, moderationDecisionMade } from '@homegraph/schema';
import type { PrismaClient } from '../data/prisma';
import type { ListingService } from '../domain/listingService';

type Transaction = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/**
 * Keeps one membership of the projection at the newest organization version seen: events of one
 * agency arrive in order on first delivery, but a retried one may come after a newer one.
 */
async function projectMembership(
  tx: Transaction,
  organizationId: string,
  userId: string,
  role: string | null,
  organizationVersion: number,
): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO organization_memberships (organization_id, user_id, role, organization_version, updated_at)
    VALUES (${organizationId}::uuid, ${userId}::uuid, ${role}, ${organizationVersion}, now())
    ON CONFLICT (organization_id, user_id) DO UPDATE
      SET role = EXCLUDED.role, organization_version = EXCLUDED.organization_version, updated_at = now()
      WHERE organization_memberships.organization_version < EXCLUDED.organization_version`;
}

/** The events the listings subgraph consumes (consumer group `listings` in schema/events/topics.yaml). */
export function listingsEventHandlers(listings: ListingService) {
  return {
    ...on(moderationDecisionMade, async (event, { tx, logger }) => {
      const outcome = await listings.applyModerationDecision(tx as Transaction, event.payload);
      if (outcome === 'ignored') {
        logger.info(
          { listingId: event.payload.listingId, caseId: event.payload.caseId },
          'moderation decision no longer applies',
        );
      }
    }),
    ...on(memberJoined, async (event, { tx }) => {
      const { organizationId, userId, role } = event.payload;
      await projectMembership(tx as Transaction, organizationId, userId, role, event.aggregate.version);
    }),
    ...on(memberRemoved, async (event, { tx }) => {
      const { organizationId, userId } = event.payload;
      await projectMembership(tx as Transaction, organizationId, userId, null, event.aggregate.version);
    }),
  };
}
