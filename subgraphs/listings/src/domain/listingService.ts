import { AppError, type CallerIdentity, type NewEvent, type OutboxWriter, uuidv7 } from '@homegraph/platform';
import { listingCreated, listingPriceChanged, listingStatusChanged, listingUpdated } from '@homegraph/schema';
import type { PrismaClient } from '../data/prisma';
import { LISTING_COLUMNS, toRecord, type ListingRecord, type ListingRow } from '../data/listingRecord';
import {
  checkReadyForReview,
  fieldsOf,
  isPriceField,
  LEASE_TYPES,
  MATERIAL_FIELDS,
  validateListingFields,
  type ListingFields,
} from './listingFields';
import { EDITABLE, ListingStatus, PUBLIC, requireTransition, type Transition } from './listingStatus';

type Transaction = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

const ORG_EDITOR_ROLES = new Set(['OWNER', 'ADMIN']);
const STAFF_ROLES = ['MODERATOR', 'ADMIN'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function checkUuid(field: string, value: string): string {
  if (!UUID.test(value)) throw new AppError('BAD_USER_INPUT', `${field} must be a UUID`, { field });
  return value.toLowerCase();
}

const actorOf = (caller: CallerIdentity) => ({ type: 'user' as const, id: caller.subject });

/** Who may see a listing: everyone when it is public; otherwise its editors, its agency and staff. */
export function canView(listing: ListingRecord, caller: CallerIdentity, orgRole: string | null): boolean {
  return (
    PUBLIC.has(listing.status) ||
    listing.ownerId === caller.subject ||
    orgRole !== null ||
    caller.roles.some((role) => STAFF_ROLES.includes(role))
  );
}

/**
 * The lifecycle of listings. Every change and its events commit in one transaction; the listing row is
 * locked first, so concurrent edits of one listing apply one after the other and its event versions
 * have no gaps.
 */
export class ListingService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly outbox: OutboxWriter,
  ) {}

  async create(
    caller: CallerIdentity,
    input: ListingFields & { organizationId: string | null },
  ): Promise<ListingRecord> {
    const organizationId =
      input.organizationId === null ? null : checkUuid('organizationId', input.organizationId);
    const fields = validateListingFields(fieldsOf(input));
    if (organizationId) {
      if ((await this.orgRole(this.prisma, organizationId, caller.subject)) === null) {
        throw new AppError('FORBIDDEN', 'only members of the agency can list for it', {
          field: 'organizationId',
        });
      }
    } else if (!caller.roles.some((role) => role === 'AGENT' || role === 'ADMIN')) {
      throw new AppError(
        'FORBIDDEN',
        'list through an agency you belong to (organizationId), or as an agent',
        {
          field: 'organizationId',
        },
      );
    }
    const id = uuidv7();
    return this.prisma.$transaction(async (tx) => {
      const row = await tx.listing.create({
        data: {
          id,
          ownerId: caller.subject,
          organizationId,
          status: 'DRAFT',
          version: 1,
          ...fieldsOf(fields),
        },
      });
      await this.recordPrice(tx, id, fields);
      await this.outbox.publish(tx, {
        type: listingCreated.type,
        aggregate: { id, version: 1 },
        actor: actorOf(caller),
        payload: { listingId: id, ownerId: caller.subject, organizationId, status: 'DRAFT' },
      });
      return toRecord(row);
    });
  }

  async update(caller: CallerIdentity, id: string, changes: Partial<ListingFields>): Promise<ListingRecord> {
    checkUuid('id', id);
    return this.prisma.$transaction(async (tx) => {
      const current = await this.lockForEdit(tx, caller, id);
      if (!EDITABLE.has(current.status)) {
        throw new AppError('CONFLICT', `a ${current.status} listing can no longer be edited`, {
          status: current.status,
        });
      }
      const merged = validateListingFields({ ...fieldsOf(current), ...definedOnly(changes) });
      const changed = (Object.keys(merged) as Array<keyof ListingFields>).filter(
        (field) => merged[field] !== current[field],
      );
      if (!changed.length) return current;
      const events: Array<Omit<NewEvent, 'aggregate'>> = [
        {
          type: listingUpdated.type,
          actor: actorOf(caller),
          payload: { listingId: id, ownerId: current.ownerId, changedFields: changed },
        },
      ];
      const now = new Date();
      let status = current.status;
      if (current.status === ListingStatus.ACTIVE && changed.some((field) => MATERIAL_FIELDS.has(field))) {
        status = requireTransition(current.status, 'MATERIAL_EDIT');
        events.push(this.statusEvent(caller, current, status, 'material fields changed'));
      }
      const priceChanged = changed.some(isPriceField);
      if (priceChanged) {
        await this.recordPrice(tx, id, merged);
        const amount = priceOf(merged);
        if (amount !== null) {
          const previous = priceOf(current);
          events.push({
            type: listingPriceChanged.type,
            actor: actorOf(caller),
            payload: {
              listingId: id,
              ownerId: current.ownerId,
              previous:
                previous === null ? null : { amount: previous.toFixed(2), currency: current.currency },
              current: { amount: amount.toFixed(2), currency: merged.currency },
            },
          });
        }
      }
      const row = await tx.listing.update({
        where: { id },
        data: {
          ...fieldsOf(merged),
          status,
          version: current.version + events.length,
          ...(status !== current.status ? { statusChangeTimestamp: now } : {}),
          ...(priceChanged ? { priceChangeTimestamp: now } : {}),
        },
      });
      await this.publish(tx, id, current.version, events);
      return toRecord(row);
    });
  }

  /** An editor moves the listing (submit, withdraw, under contract, sold, rented, back on market). */
  async transition(
    caller: CallerIdentity,
    id: string,
    transition: Transition,
    reason?: string,
  ): Promise<ListingRecord> {
    checkUuid('id', id);
    return this.prisma.$transaction(async (tx) => {
      const current = await this.lockForEdit(tx, caller, id);
      const to = requireTransition(current.status, transition);
      if (transition === 'SUBMIT') checkReadyForReview(current);
      if (transition === 'MARK_SOLD' && LEASE_TYPES.has(current.propertyType)) {
        throw new AppError('CONFLICT', 'a lease is rented, not sold: use markListingRented');
      }
      if (transition === 'MARK_RENTED' && !LEASE_TYPES.has(current.propertyType)) {
        throw new AppError('CONFLICT', 'a sale is sold, not rented: use markListingSold');
      }
      return this.move(tx, current, to, this.statusEvent(caller, current, to, reason));
    });
  }

  /**
   * Applies a moderation decision (from `moderation.decision.made`). A decision about a listing that
   * has moved on (withdrawn, or edited and resubmitted after the case was opened) is ignored: the
   * listing is no longer in review, or a newer case will decide it.
   */
  async applyModerationDecision(
    tx: Transaction,
    decision: {
      listingId: string;
      decision: 'APPROVED' | 'REJECTED' | 'CHANGES_REQUESTED';
      reasons: string[];
      caseId: string;
    },
  ): Promise<'applied' | 'ignored'> {
    const current = await this.lock(tx, decision.listingId);
    if (!current || current.status !== ListingStatus.PENDING_REVIEW) return 'ignored';
    const transition: Transition =
      decision.decision === 'APPROVED'
        ? 'APPROVE'
        : decision.decision === 'REJECTED'
          ? 'REJECT'
          : 'REQUEST_CHANGES';
    const to = requireTransition(current.status, transition);
    const reason = decision.reasons.length ? decision.reasons.join('; ') : undefined;
    await this.move(tx, current, to, {
      type: listingStatusChanged.type,
      actor: { type: 'system', id: `moderation:${decision.caseId}` },
      payload: {
        listingId: current.id,
        ownerId: current.ownerId,
        from: current.status,
        to,
        ...(reason ? { reason } : {}),
      },
    });
    return 'applied';
  }

  /** The caller's role in an agency, from the membership projection; null when not a member. */
  async orgRole(
    db: Pick<Transaction, 'organizationMembership'>,
    organizationId: string,
    userId: string,
  ): Promise<string | null> {
    const membership = await db.organizationMembership.findUnique({
      where: { organizationId_userId: { organizationId, userId } },
      select: { role: true },
    });
    return membership?.role ?? null;
  }

  private async move(
    tx: Transaction,
    current: ListingRecord,
    to: ListingStatus,
    event: Omit<NewEvent, 'aggregate'>,
  ): Promise<ListingRecord> {
    const row = await tx.listing.update({
      where: { id: current.id },
      data: { status: to, statusChangeTimestamp: new Date(), version: current.version + 1 },
    });
    await this.publish(tx, current.id, current.version, [event]);
    return toRecord(row);
  }

  private statusEvent(
    caller: CallerIdentity,
    listing: ListingRecord,
    to: ListingStatus,
    reason?: string,
  ): Omit<NewEvent, 'aggregate'> {
    return {
      type: listingStatusChanged.type,
      actor: actorOf(caller),
      payload: {
        listingId: listing.id,
        ownerId: listing.ownerId,
        from: listing.status,
        to,
        ...(reason ? { reason } : {}),
      },
    };
  }

  private async publish(
    tx: Transaction,
    id: string,
    fromVersion: number,
    events: Array<Omit<NewEvent, 'aggregate'>>,
  ): Promise<void> {
    await this.outbox.publish(
      tx,
      ...events.map((event, index) => ({ ...event, aggregate: { id, version: fromVersion + index + 1 } })),
    );
  }

  /** Locks and reads the listing in one round trip (Prisma has no `FOR UPDATE`). */
  private async lock(tx: Transaction, id: string): Promise<ListingRecord | null> {
    const [row] = await tx.$queryRawUnsafe<ListingRow[]>(
      `SELECT ${LISTING_COLUMNS} FROM listings WHERE id = $1::uuid FOR UPDATE`,
      id,
    );
    return row ? toRecord(row) : null;
  }

  /**
   * Locks the listing for a change by `caller`: its owner, an OWNER or ADMIN of its agency, or a
   * platform ADMIN. Others get NOT_FOUND when they can't even see it, FORBIDDEN when they can.
   */
  private async lockForEdit(tx: Transaction, caller: CallerIdentity, id: string): Promise<ListingRecord> {
    const current = await this.lock(tx, id);
    // The agent and platform admins may edit whatever their agency role: no need to look it up.
    const needsOrgRole =
      current?.organizationId && current.ownerId !== caller.subject && !caller.roles.includes('ADMIN');
    const orgRole = needsOrgRole
      ? await this.orgRole(tx, current.organizationId as string, caller.subject)
      : null;
    if (!current || !canView(current, caller, orgRole)) {
      throw new AppError('NOT_FOUND', 'no such listing', { field: 'id' });
    }
    const mayEdit =
      current.ownerId === caller.subject ||
      (orgRole !== null && ORG_EDITOR_ROLES.has(orgRole)) ||
      caller.roles.includes('ADMIN');
    if (!mayEdit)
      throw new AppError('FORBIDDEN', "only the listing's agent or its agency's admins can change it");
    return current;
  }

  private async recordPrice(tx: Transaction, listingId: string, fields: ListingFields): Promise<void> {
    const amount = priceOf(fields);
    if (amount === null) return;
    await tx.listingPriceHistory.create({ data: { listingId, amount, currency: fields.currency } });
  }
}

const priceOf = (fields: ListingFields): number | null =>
  LEASE_TYPES.has(fields.propertyType) ? fields.leaseAmount : fields.listPrice;

const REQUIRED_FIELDS = new Set([
  'title',
  'description',
  'propertyType',
  'currency',
  'city',
  'countryCode',
  'latitude',
  'longitude',
]);

/** The fields an edit sets: omitted (undefined) ones stay; null clears, where a field may be empty. */
function definedOnly<T extends object>(changes: T): Partial<T> {
  const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
  for (const [field, value] of entries) {
    if (value === null && REQUIRED_FIELDS.has(field)) {
      throw new AppError('BAD_USER_INPUT', `${field} cannot be cleared`, { field });
    }
  }
  return Object.fromEntries(entries) as Partial<T>;
}
