/** Values mirror the `OrgRole` enum of the database schema and ORG_ROLES of the event contracts. */
export enum OrgRole {
  OWNER = 'OWNER',
  ADMIN = 'ADMIN',
  AGENT = 'AGENT',
}

/** Values mirror the `InvitationStatus` enum of the database schema. */
export enum InvitationStatus {
  PENDING = 'PENDING',
  ACCEPTED = 'ACCEPTED',
  DECLINED = 'DECLINED',
  EXPIRED = 'EXPIRED',
  REVOKED = 'REVOKED',
}

/** Roles that may invite and remove members. */
export const MANAGER_ROLES: readonly OrgRole[] = [OrgRole.OWNER, OrgRole.ADMIN];
