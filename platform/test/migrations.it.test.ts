import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '../../test/support/databases';
import { applyMigrations } from '../src/postgres';

const logger = pino({ level: 'silent' });

describe('applyMigrations (real PostgreSQL)', () => {
  let database: TestDatabase;
  let databaseUrl: string;
  let dir: string;

  beforeAll(async () => {
    database = await createTestDatabase('hg_migrations');
    databaseUrl = database.url;
    dir = await mkdtemp(join(tmpdir(), 'hg-migrations-'));
    await cp(join(__dirname, '../../subgraphs/listings/prisma/migrations'), dir, { recursive: true });
  });

  afterAll(async () => {
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies each migration once and records it the way Prisma does', async () => {
    const first = await applyMigrations(databaseUrl, dir, logger);
    const second = await applyMigrations(databaseUrl, dir, logger);
    const all = (await readdir(dir)).filter((name) => /^\d{14}_/.test(name)).sort();
    expect(all.length).toBeGreaterThan(0);
    expect(first.applied).toEqual(all);
    expect(second).toEqual({ applied: [], alreadyApplied: all });

    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    const { rows } = await client.query(
      'SELECT migration_name, finished_at, checksum FROM "_prisma_migrations"',
    );
    await client.end();
    expect(rows).toHaveLength(all.length);
    expect(rows[0].finished_at).not.toBeNull();
    expect(rows[0].checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rolls back a failing migration entirely and does not record it', async () => {
    await cp(join(dir, '20261204150000_init'), join(dir, '20991231000000_broken'), { recursive: true });
    await writeFile(
      join(dir, '20991231000000_broken/migration.sql'),
      'CREATE TABLE half_done (id int);\nSELECT * FROM missing_table;\n',
    );
    await expect(applyMigrations(databaseUrl, dir, logger)).rejects.toThrow(/20991231000000_broken failed/);

    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    const tables = await client.query(
      "SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'",
    );
    const recorded = await client.query(
      `SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '20991231000000_broken'`,
    );
    await client.end();
    expect(tables.rowCount).toBe(0);
    expect(recorded.rowCount).toBe(0);
    await rm(join(dir, '20991231000000_broken'), { recursive: true });
  });

  it('refuses to run when an applied migration was edited', async () => {
    await writeFile(join(dir, '20261204150000_init/migration.sql'), '-- edited\n', { flag: 'a' });
    await expect(applyMigrations(databaseUrl, dir, logger)).rejects.toThrow(
      /was edited after it was applied/,
    );
  });
});
