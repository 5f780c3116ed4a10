import type { Pool, PoolClient } from 'pg';

/**
 * Durable "handled once" bookkeeping for a consumer group. `runOnce` runs `work` inside a transaction
 * of the handler's own database together with the record that the event was handled, so the effect
 * and the record commit together: a redelivered event finds the record and is skipped.
 */
export interface IdempotencyStore<Tx> {
  /** Resolves true when `work` ran and committed, false when the event had already been handled. */
  runOnce(group: string, eventId: string, work: (tx: Tx) => Promise<void>): Promise<boolean>;
  /**
   * Claims several events in one transaction and runs `work` with the ids that were not handled
   * before; resolves with those ids once committed. Optional: without it events are handled one by one.
   */
  runBatch?(
    group: string,
    eventIds: string[],
    work: (tx: Tx, fresh: ReadonlySet<string>) => Promise<void>,
  ): Promise<ReadonlySet<string>>;
}

/** The table each PostgreSQL service that consumes events keeps in its own database. */
export const PROCESSED_EVENTS_TABLE = 'processed_events';

const CLAIM = `INSERT INTO ${PROCESSED_EVENTS_TABLE} (consumer_group, event_id) VALUES ($1, $2::uuid) ON CONFLICT DO NOTHING`;
const CLAIM_MANY = `INSERT INTO ${PROCESSED_EVENTS_TABLE} (consumer_group, event_id)
  SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id`;

/**
 * For handlers that write with node-postgres. Claiming first means a concurrent duplicate waits on
 * the primary key until the first transaction ends, then sees the claim and skips.
 */
export class PgIdempotencyStore implements IdempotencyStore<PoolClient> {
  constructor(private readonly pool: Pool) {}

  async runOnce(group: string, eventId: string, work: (tx: PoolClient) => Promise<void>): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const claim = await client.query(CLAIM, [group, eventId]);
      if (claim.rowCount === 0) {
        await client.query('ROLLBACK');
        return false;
      }
      await work(client);
      await client.query('COMMIT');
      return true;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async runBatch(
    group: string,
    eventIds: string[],
    work: (tx: PoolClient, fresh: ReadonlySet<string>) => Promise<void>,
  ): Promise<ReadonlySet<string>> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const claimed = await client.query<{ event_id: string }>(CLAIM_MANY, [group, eventIds]);
      const fresh = new Set(claimed.rows.map((row) => row.event_id));
      if (fresh.size) await work(client, fresh);
      await client.query('COMMIT');
      return fresh;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

/** What the Prisma store needs of a PrismaClient; kept structural so the kit doesn't depend on one schema. */
export interface PrismaLike<Tx> {
  $transaction<R>(fn: (tx: Tx) => Promise<R>, options?: { timeout?: number; maxWait?: number }): Promise<R>;
}

/** For handlers that write with Prisma: the handler receives the interactive transaction client. */
export interface PrismaTransactionLike {
  $executeRawUnsafe(sql: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe<T = unknown>(sql: string, ...values: unknown[]): Promise<T>;
}

export class PrismaIdempotencyStore<Tx extends PrismaTransactionLike> implements IdempotencyStore<Tx> {
  constructor(
    private readonly prisma: PrismaLike<Tx>,
    private readonly transactionTimeoutMs = 60_000,
  ) {}

  runOnce(group: string, eventId: string, work: (tx: Tx) => Promise<void>): Promise<boolean> {
    return this.prisma.$transaction(
      async (tx) => {
        if ((await tx.$executeRawUnsafe(CLAIM, group, eventId)) === 0) return false;
        await work(tx);
        return true;
      },
      { timeout: this.transactionTimeoutMs },
    );
  }

  runBatch(
    group: string,
    eventIds: string[],
    work: (tx: Tx, fresh: ReadonlySet<string>) => Promise<void>,
  ): Promise<ReadonlySet<string>> {
    return this.prisma.$transaction(
      async (tx) => {
        const claimed = await tx.$queryRawUnsafe<{ event_id: string }[]>(CLAIM_MANY, group, eventIds);
        const fresh: ReadonlySet<string> = new Set(claimed.map((row) => row.event_id));
        if (fresh.size) await work(tx, fresh);
        return fresh;
      },
      { timeout: this.transactionTimeoutMs },
    );
  }
}
