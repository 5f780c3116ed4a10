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

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const admin = new Client({ connectionString: `${serverUrl}/postgres` });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** An empty database of its own on the shared server, named `<prefix>_<random>`. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const serverUrl = process.env['POSTGRES_URL'];
  if (!serverUrl)
    throw new Error('POSTGRES_URL is not set: integration tests run under test/support/globalSetup.ts');
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await onServer(serverUrl, `CREATE DATABASE ${name}`);
  return {
    url: `${serverUrl}/${name}`,
    drop: () => onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** A fresh database for one subgraph on the shared server, migrated with the subgraph's migrations. */
export async function createSubgraphDatabase(subgraph: string): Promise<TestDatabase> {
  const database = await createTestDatabase(`hg_test_${subgraph}`);
  await applyMigrations(
    database.url,
    join(REPO_ROOT, 'subgraphs', subgraph, 'prisma/migrations'),
    pino({ level: 'silent' }),
  );
  return database;
}
