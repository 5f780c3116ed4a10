import DataLoader from 'dataloader';
import { toUser, type User } from '../schema/user';
import type { PrismaClient } from './prisma';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One query per batch of ids, whatever the number of references in a plan. */
export function createUserLoader(prisma: PrismaClient): DataLoader<string, User | null> {
  return new DataLoader(async (ids) => {
    const valid = ids.filter((id) => UUID.test(id));
    const rows = valid.length ? await prisma.user.findMany({ where: { id: { in: valid } } }) : [];
    const byId = new Map(rows.map((row) => [row.id, toUser(row)]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
