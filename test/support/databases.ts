import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import pino from 'pino';
import { applyMigrations } from '../../platform/src/postgres';
import { REPO_ROOT } from './localServers';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh database for one subgraph on the shared server, migrated with the subgraph's migrations. */
export async function createSubgraphDatabase(subgraph: string): Promise<TestDatabase> {
  const serverUrl = process.env['POSTGRES_URL'];
  if (!serverUrl)
    throw new Error('POSTGRES_URL is not set: integration tests run under test/support/globalSetup.ts');
  const name = `hg_test_${subgraph}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new Client({ connectionString: `${serverUrl}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = `${serverUrl}/${name}`;
  await applyMigrations(
    url,
    join(REPO_ROOT, 'subgraphs', subgraph, 'prisma/migrations'),
    pino({ level: 'silent' }),
  );
  return {
    url,
    drop: async () => {
      const client = new Client({ connectionString: `${serverUrl}/postgres` });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
