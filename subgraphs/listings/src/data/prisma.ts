import { connectPrisma, type Registry } from '@homegraph/platform';
import { PrismaClient as GeneratedClient } from './__generated__/prisma/client';

/** This subgraph's client, with query events on (they feed `db_query_duration_seconds`). */
export type PrismaClient = GeneratedClient<'query'>;

export function createPrismaClient(databaseUrl: string, registry?: Registry): PrismaClient {
  return connectPrisma((options) => new GeneratedClient(options), databaseUrl, registry);
}
