import { OUTBOX_TABLE } from './outbox';
import { PROCESSED_EVENTS_TABLE } from './idempotency';

/**
 * The tables the event runtime needs in a service's own PostgreSQL database. Services declare the same
 * tables in their Prisma schema (and migrations); this SQL is the reference the platform's tests use,
 * and `test/contracts/event-tables.it.test.ts` checks every service's migrations against it.
 */
export const EVENT_TABLES_SQL = `
CREATE TABLE IF NOT EXISTS ${OUTBOX_TABLE} (
  id BIGSERIAL PRIMARY KEY,
  event_id UUID NOT NULL UNIQUE,
  topic TEXT NOT NULL,
  partition_key TEXT NOT NULL,
  value TEXT NOT NULL,
  headers JSONB NOT NULL,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  published_at TIMESTAMPTZ(3)
);
CREATE INDEX IF NOT EXISTS ${OUTBOX_TABLE}_unpublished_idx ON ${OUTBOX_TABLE} (id) WHERE published_at IS NULL;
CREATE TABLE IF NOT EXISTS ${PROCESSED_EVENTS_TABLE} (
  consumer_group TEXT NOT NULL,
  event_id UUID NOT NULL,
  processed_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (consumer_group, event_id)
);
`;
