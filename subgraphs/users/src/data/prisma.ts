import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './__generated__/prisma/client';

export type { PrismaClient } from './__generated__/prisma/client';

export function createPrismaClient(databaseUrl: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
}
