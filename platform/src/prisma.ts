import { PrismaPg } from '@prisma/adapter-pg';
import { Histogram, type Registry } from 'prom-client';
import { currentContext } from './context';
import { LATENCY_BUCKETS } from './metrics';

export interface QueryLogOptions {
  adapter: PrismaPg;
  log: [{ emit: 'event'; level: 'query' }];
}

interface QueryEvents {
  $on(event: 'query', listener: (event: { duration: number }) => void): void;
}

/**
 * Makes a service's Prisma client (the JavaScript engine over node-postgres) and measures every SQL
 * statement it sends: `db_query_duration_seconds`, labelled `origin="request"` when the statement runs
 * for an API request and `"background"` otherwise (relays, consumers). The request count is how tests
 * prove that batching keeps a page of entities at a constant number of statements.
 */
export function connectPrisma<Client extends QueryEvents>(
  create: (options: QueryLogOptions) => Client,
  databaseUrl: string,
  registry?: Registry,
): Client {
  const client = create({
    adapter: new PrismaPg({ connectionString: databaseUrl }),
    log: [{ emit: 'event', level: 'query' }],
  });
  if (registry) {
    const statements = new Histogram({
      name: 'db_query_duration_seconds',
      help: 'SQL statements sent by the Prisma client, by origin (request or background)',
      labelNames: ['origin'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    client.$on('query', (event) => {
      statements.observe({ origin: currentContext() ? 'request' : 'background' }, event.duration / 1000);
    });
  }
  return client;
}
