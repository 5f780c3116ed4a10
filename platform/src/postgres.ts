import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Logger } from 'pino';
import type { ReadinessCheck } from './health';

/** Anything that can run a trivial SQL query: a Prisma client or a pg pool. */
export interface SqlPinger {
  $queryRawUnsafe?(sql: string): Promise<unknown>;
  query?(sql: string): Promise<unknown>;
}

export function postgresReadiness(db: SqlPinger, name = 'postgres'): ReadinessCheck {
  return {
    name,
    check: async () => {
      if (db.$queryRawUnsafe) await db.$queryRawUnsafe('SELECT 1');
      else if (db.query) await db.query('SELECT 1');
      else throw new Error('no query method');
    },
  };
}

/** Arbitrary but fixed: serialises concurrent migration runs against one database. */
const MIGRATION_LOCK_KEY = 727_274_001;

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

/**
 * Applies `<dir>/<timestamp>_<name>/migration.sql` folders in order, each in its own transaction, and
 * records them in Prisma's `_prisma_migrations` table with Prisma's checksum, so production can use
 * `prisma migrate deploy` on the same folder. Refuses to run when an applied migration was edited.
 */
export async function applyMigrations(
  databaseUrl: string,
  dir: string,
  logger: Logger,
): Promise<MigrationResult> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const { rows } = await client.query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
    }>('SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL');
    const applied = new Map(rows.map((row) => [row.migration_name, row]));
    const result: MigrationResult = { applied: [], alreadyApplied: [] };
    for (const name of names) {
      const sql = await readFile(join(dir, name, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      const previous = applied.get(name);
      if (previous) {
        if (!previous.finished_at) throw new Error(`migration ${name} started earlier but never finished`);
        if (previous.checksum !== checksum)
          throw new Error(`migration ${name} was edited after it was applied`);
        result.alreadyApplied.push(name);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count)
           VALUES (gen_random_uuid(), $1, $2, now(), 1)`,
          [checksum, name],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${name} failed: ${(error as Error).message}`);
      }
      logger.info({ migration: name }, 'migration applied');
      result.applied.push(name);
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}
