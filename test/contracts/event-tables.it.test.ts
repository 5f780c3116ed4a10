import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { EVENT_TABLES_SQL } from '../../platform/src/events/tables';
import { createSubgraphDatabase, type TestDatabase } from '../support/databases';
import { REPO_ROOT } from '../support/localServers';

const SUBGRAPHS_WITH_EVENTS = readdirSync(join(REPO_ROOT, 'subgraphs')).filter((name) =>
  existsSync(join(REPO_ROOT, 'subgraphs', name, 'prisma/schema.prisma')),
);

async function describeTables(url: string) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await client.query(
      `SELECT table_name, column_name, data_type, is_nullable, datetime_precision FROM information_schema.columns
        WHERE table_name IN ('outbox_events', 'processed_events') ORDER BY table_name, column_name`,
    );
    const indexes = await client.query(
      `SELECT indexname, indexdef LIKE '%WHERE (published_at IS NULL)%' AS partial FROM pg_indexes
        WHERE tablename IN ('outbox_events', 'processed_events') ORDER BY indexname`,
    );
    return { columns: columns.rows, partialIndexes: indexes.rows.filter((row) => row.partial).length };
  } finally {
    await client.end();
  }
}

/** Every service's migrations create the event tables exactly as the platform's runtime expects them. */
describe.each(SUBGRAPHS_WITH_EVENTS)('event tables of the %s subgraph', (subgraph) => {
  let service: TestDatabase;
  let reference: TestDatabase;

  beforeAll(async () => {
    service = await createSubgraphDatabase(subgraph);
    reference = await createSubgraphDatabase(subgraph);
    const client = new Client({ connectionString: reference.url });
    await client.connect();
    await client.query('DROP TABLE IF EXISTS outbox_events, processed_events');
    await client.query(EVENT_TABLES_SQL);
    await client.end();
  });

  afterAll(async () => {
    await service?.drop();
    await reference?.drop();
  });

  it('match the reference SQL of platform/src/events/tables.ts', async () => {
    const actual = await describeTables(service.url);
    expect(actual.columns.length).toBeGreaterThan(0);
    expect(actual).toEqual(await describeTables(reference.url));
  });
});
