import { AppError, type NewEvent, type OutboxWriter } from '@homegraph/platform';
import {
  invitationCreated,
  invitationDeclined,
  memberJoined,
  memberRemoved,
  organizationCreated,
} from '@homegraph/schema';
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../data/prisma';
import { toInvitation, toMembership, toOrganization } from '../data/records';
import type { Invitation, Membership, Organization } from '../schema/types';
import { hashInvitationToken, INVITATION_TTL_MS, newInvitationToken } from './invitationToken';
import { InvitationStatus, MANAGER_ROLES, OrgRole } from './roles';
import * as valid from './validation';

type Transaction = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/** The subset of NewEvent the service varies; the aggregate id and version are filled in per change. */
type Change = Pick<NewEvent, 'type' | 'payload'>;

export class OrganizationService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly outbox: OutboxWriter,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async createOrganization(actor: string, input: { name: string }): Promise<Organization> {
    const name = valid.organizationName(input.name);
    const id = randomUUID();
    return this.prisma.$transaction(async (tx) => {
      const row = await tx.organization.create({
        data: { id, name, createdBy: actor, memberships: { create: { userId: actor, role: OrgRole.OWNER } } },
      });
      await this.emit(tx, actor, id, 0, [
        { type: organizationCreated.type, payload: { organizationId: id, name, createdBy: actor } },
        {
          type: memberJoined.type,
          payload: { organizationId: id, userId: actor, role: OrgRole.OWNER, invitationId: null },
        },
      ]);
      return toOrganization(row);
    });
  }

  async inviteMember(
    actor: string,
    input: { organizationId: string; email: string; role: OrgRole },
  ): Promise<{ invitation: Invitation; token: string }> {
    const organizationId = valid.uuid(input.organizationId, 'organizationId');
    const email = valid.emailAddress(input.email);
    return this.prisma.$transaction(async (tx) => {
      const version = await this.lockOrganization(tx, organizationId);
      const role = await this.roleOf(tx, organizationId, actor);
      if (!role || !MANAGER_ROLES.includes(role))
        throw new AppError('FORBIDDEN', 'only owners and admins of the organization can invite members');
      if (input.role === OrgRole.OWNER && role !== OrgRole.OWNER)
        throw new AppError('FORBIDDEN', 'only owners can invite owners');
      const { token, tokenHash } = newInvitationToken();
      const row = await tx.invitation.create({
        data: {
          id: randomUUID(),
          organizationId,
          email,
          role: input.role,
          tokenHash,
          invitedBy: actor,
          expiresAt: new Date(this.now().getTime() + INVITATION_TTL_MS),
        },
      });
      await this.emit(tx, actor, organizationId, version, [
        {
          type: invitationCreated.type,
          payload: {
            organizationId,
            invitationId: row.id,
            email,
            role: row.role,
            invitedBy: actor,
            token,
            expiresAt: row.expiresAt.toISOString(),
          },
        },
      ]);
      return { invitation: toInvitation(row), token };
    });
  }

  async acceptInvitation(
    actor: string,
    input: { token: string },
  ): Promise<{ membership: Membership; organization: Organization }> {
    return this.respond(input.token, async (tx, invitation, version) => {
      if (await this.roleOf(tx, invitation.organizationId, actor))
        throw new AppError('CONFLICT', 'you are already a member of this organization');
      const membership = await tx.membership.create({
        data: { organizationId: invitation.organizationId, userId: actor, role: invitation.role },
      });
      await this.markResponded(tx, invitation.id, InvitationStatus.ACCEPTED, actor);
      await this.emit(tx, actor, invitation.organizationId, version, [
        {
          type: memberJoined.type,
          payload: {
            organizationId: invitation.organizationId,
            userId: actor,
            role: membership.role,
            invitationId: invitation.id,
          },
        },
      ]);
      const organization = await tx.organization.findUniqueOrThrow({
        where: { id: invitation.organizationId },
      });
      return { membership: toMembership(membership), organization: toOrganization(organization) };
    });
  }

  async declineInvitation(actor: string, input: { token: string }): Promise<Invitation> {
    return this.respond(input.token, async (tx, invitation, version) => {
      const row = await this.markResponded(tx, invitation.id, InvitationStatus.DECLINED, actor);
      await this.emit(tx, actor, invitation.organizationId, version, [
        {
          type: invitationDeclined.type,
          payload: { organizationId: invitation.organizationId, invitationId: invitation.id },
        },
      ]);
      return toInvitation(row);
    });
  }

  async removeMember(
    actor: string,
    input: { organizationId: string; userId: string },
  ): Promise<{ organization: Organization; membership: Membership }> {
    const organizationId = valid.uuid(input.organizationId, 'organizationId');
    const userId = valid.uuid(input.userId, 'userId');
    return this.prisma.$transaction(async (tx) => {
      const version = await this.lockOrganization(tx, organizationId);
      const role = await this.roleOf(tx, organizationId, actor);
      if (!role || !MANAGER_ROLES.includes(role))
        throw new AppError('FORBIDDEN', 'only owners and admins of the organization can remove members');
      const target = await tx.membership.findUnique({
        where: { organizationId_userId: { organizationId, userId } },
      });
      if (!target) throw new AppError('NOT_FOUND', 'that user is not a member of this organization');
      if (target.role === OrgRole.OWNER) {
        if (role !== OrgRole.OWNER) throw new AppError('FORBIDDEN', 'only owners can remove owners');
        const owners = await tx.membership.count({ where: { organizationId, role: OrgRole.OWNER } });
        if (owners <= 1)
          throw new AppError('CONFLICT', 'cannot remove the last owner; make someone else an owner first');
      }
      await tx.membership.delete({ where: { organizationId_userId: { organizationId, userId } } });
      await this.emit(tx, actor, organizationId, version, [
        { type: memberRemoved.type, payload: { organizationId, userId } },
      ]);
      const organization = await tx.organization.findUniqueOrThrow({ where: { id: organizationId } });
      return { organization: toOrganization(organization), membership: toMembership(target) };
    });
  }

  /**
   * The shared part of accepting and declining: finds the pending invitation by its token's hash,
   * under its organization's lock, and runs `respond` on it. An expired one is marked EXPIRED in a
   * transaction of its own, so that survives the CONFLICT the caller gets.
   */
  private async respond<T>(
    rawToken: string,
    respond: (tx: Transaction, invitation: InvitationRow, version: number) => Promise<T>,
  ): Promise<T> {
    const tokenHash = hashInvitationToken(valid.invitationToken(rawToken));
    const found = await this.prisma.invitation.findUnique({ where: { tokenHash } });
    if (!found) throw new AppError('NOT_FOUND', 'no invitation has this token');
    const outcome = await this.prisma.$transaction(async (tx) => {
      const version = await this.lockOrganization(tx, found.organizationId);
      // Re-read under the lock: every change to an invitation holds its organization's lock.
      const invitation = await tx.invitation.findUniqueOrThrow({ where: { id: found.id } });
      if (invitation.status !== InvitationStatus.PENDING) {
        throw new AppError('CONFLICT', `this invitation was already ${invitation.status.toLowerCase()}`, {
          status: invitation.status,
        });
      }
      if (invitation.expiresAt <= this.now()) {
        await tx.invitation.update({
          where: { id: invitation.id },
          data: { status: InvitationStatus.EXPIRED },
        });
        return { expired: true, expiresAt: invitation.expiresAt } as const;
      }
      return { expired: false, result: await respond(tx, invitation, version) } as const;
    });
    if (outcome.expired) {
      throw new AppError(
        'CONFLICT',
        `this invitation expired on ${outcome.expiresAt.toISOString()}; ask for a new one`,
        { status: InvitationStatus.EXPIRED },
      );
    }
    return outcome.result;
  }

  /** Takes the organization's row lock, serialising its changes; answers its current version. */
  private async lockOrganization(tx: Transaction, organizationId: string): Promise<number> {
    const rows = await tx.$queryRaw<{ version: number }[]>`
      SELECT version FROM organizations WHERE id = ${organizationId}::uuid FOR UPDATE`;
    const row = rows[0];
    if (!row) throw new AppError('NOT_FOUND', 'organization not found', { field: 'organizationId' });
    return row.version;
  }

  private async roleOf(tx: Transaction, organizationId: string, userId: string): Promise<OrgRole | null> {
    const membership = await tx.membership.findUnique({
      where: { organizationId_userId: { organizationId, userId } },
      select: { role: true },
    });
    return (membership?.role as OrgRole | undefined) ?? null;
  }

  private markResponded(tx: Transaction, id: string, status: InvitationStatus, actor: string) {
    return tx.invitation.update({
      where: { id },
      data: { status, respondedBy: actor, respondedAt: this.now() },
    });
  }

  /** Writes the events of one change, numbering them on from `version`, and stores the new version. */
  private async emit(
    tx: Transaction,
    actor: string,
    organizationId: string,
    version: number,
    changes: Change[],
  ): Promise<void> {
    await this.outbox.publish(
      tx,
      ...changes.map((change, index) => ({
        ...change,
        aggregate: { id: organizationId, version: version + index + 1 },
        actor: { type: 'user' as const, id: actor },
      })),
    );
    await tx.organization.update({
      where: { id: organizationId },
      data: { version: version + changes.length },
    });
  }
}

type InvitationRow = Awaited<ReturnType<PrismaClient['invitation']['findFirstOrThrow']>>;
