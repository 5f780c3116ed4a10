/**
 * Applies every PostgreSQL subgraph's migrations to its own database (`homegraph_<subgraph>` on the
 * server at POSTGRES_URL). Production runs `prisma migrate deploy` on the same folders instead.
 */
import { applyMigrations, createLogger } from '@homegraph/platform';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

async function main(): Promise<void> {
  const logger = createLogger({ service: 'migrate', level: process.env['LOG_LEVEL'] ?? 'info' });
  const serverUrl = process.env['POSTGRES_URL'];
  if (!serverUrl) throw new Error('POSTGRES_URL is required (source scripts/local-env.sh)');
  const subgraphs = readdirSync(join(ROOT, 'subgraphs')).filter((name) =>
    existsSync(join(ROOT, 'subgraphs', name, 'prisma/migrations')),
  );
  for (const name of subgraphs) {
    const result = await applyMigrations(
      `${serverUrl}/homegraph_${name}`,
      join(ROOT, 'subgraphs', name, 'prisma/migrations'),
      logger,
    );
    logger.info(
      { subgraph: name, applied: result.applied.length, alreadyApplied: result.alreadyApplied.length },
      'migrated',
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`migrate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
