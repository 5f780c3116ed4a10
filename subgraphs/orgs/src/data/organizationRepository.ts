import DataLoader from 'dataloader';
import { isUuid } from '../domain/validation';
import type { Membership, Organization } from '../schema/types';
import type { PrismaClient } from './prisma';
import { toMembership, toOrganization } from './records';

/** Per-request batching: every load of one tick becomes one SQL query. */
export interface OrgsLoaders {
  organization: DataLoader<string, Organization | null>;
  members: DataLoader<string, Membership[]>;
}

export class OrganizationRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** In the order of `ids`, null where there is none; ids that are not UUIDs never reach the database. */
  async findByIds(ids: readonly string[]): Promise<(Organization | null)[]> {
    const wanted = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
    const rows = wanted.length
      ? await this.prisma.organization.findMany({ where: { id: { in: wanted } } })
      : [];
    const byId = new Map(rows.map((row) => [row.id, toOrganization(row)]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  }

  /** Members of each organization, longest-standing first. */
  async membersOf(organizationIds: readonly string[]): Promise<Membership[][]> {
    const rows = await this.prisma.membership.findMany({
      where: { organizationId: { in: [...new Set(organizationIds)] } },
      orderBy: [{ joinedAt: 'asc' }, { userId: 'asc' }],
    });
    const byOrganization = new Map<string, Membership[]>();
    for (const row of rows) {
      const members = byOrganization.get(row.organizationId) ?? [];
      members.push(toMembership(row));
      byOrganization.set(row.organizationId, members);
    }
    return organizationIds.map((id) => byOrganization.get(id) ?? []);
  }

  async organizationsOf(userId: string): Promise<Organization[]> {
    const rows = await this.prisma.organization.findMany({
      where: { memberships: { some: { userId } } },
      orderBy: [{ name: 'asc' }, { id: 'asc' }],
    });
    return rows.map(toOrganization);
  }

  createLoaders(): OrgsLoaders {
    return {
      organization: new DataLoader((ids) => this.findByIds(ids)),
      members: new DataLoader((ids) => this.membersOf(ids)),
    };
  }
}
