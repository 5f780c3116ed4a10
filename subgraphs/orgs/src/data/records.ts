import type { InvitationStatus, OrgRole } from '../domain/roles';
import type { Invitation, Membership, Organization } from '../schema/types';
import type { PrismaClient } from './prisma';

type OrganizationRow = Awaited<ReturnType<PrismaClient['organization']['findFirstOrThrow']>>;
type MembershipRow = Awaited<ReturnType<PrismaClient['membership']['findFirstOrThrow']>>;
type InvitationRow = Awaited<ReturnType<PrismaClient['invitation']['findFirstOrThrow']>>;

export const toOrganization = (row: OrganizationRow): Organization => ({
  id: row.id,
  name: row.name,
  createdAt: row.createdAt,
});

export const toMembership = (row: MembershipRow): Membership => ({
  organizationId: row.organizationId,
  user: { id: row.userId },
  role: row.role as OrgRole,
  joinedAt: row.joinedAt,
});

export const toInvitation = (row: InvitationRow): Invitation => ({
  id: row.id,
  organizationId: row.organizationId,
  email: row.email,
  role: row.role as OrgRole,
  status: row.status as InvitationStatus,
  invitedBy: { id: row.invitedBy },
  expiresAt: row.expiresAt,
  createdAt: row.createdAt,
});
