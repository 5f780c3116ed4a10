import { generateSigningKey, jwksOf, signToken, type SigningKey } from '@homegraph/platform';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createSubgraphDatabase, type TestDatabase } from '../../../test/support/databases';
import { startService, type ServiceProcess } from '../../../test/support/serviceProcess';

export interface GraphQLResult<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions: { code: string; [key: string]: unknown } }[];
}

/** No token at all, as if the request had not come through the router. */
export const NO_ROUTER_TOKEN = null;
export const ANONYMOUS = 'anonymous';

/** A built orgs subgraph on a fresh database, and a stand-in for the router that signs its tokens. */
export interface OrgsUnderTest {
  service: ServiceProcess;
  database: TestDatabase;
  db: Client;
  /** Runs an operation as `subject` (a user id, ANONYMOUS, or NO_ROUTER_TOKEN). */
  gql<T = Record<string, unknown>>(
    subject: string | null,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResult<T>>;
  count(table: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startOrgs(): Promise<OrgsUnderTest> {
  const brokers = process.env['KAFKA_BROKERS'];
  if (!brokers)
    throw new Error('KAFKA_BROKERS is not set: integration tests run under test/support/globalSetup.ts');
  const key: SigningKey = await generateSigningKey();
  const database = await createSubgraphDatabase('orgs');
  const service = await startService('subgraphs/orgs/dist/main.js', {
    DATABASE_URL: database.url,
    KAFKA_BROKERS: brokers,
    ROUTER_PUBLIC_JWKS: JSON.stringify(jwksOf(key)),
  });
  const db = new Client({ connectionString: database.url });
  await db.connect();

  return {
    service,
    database,
    db,
    async gql(subject, query, variables = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (subject !== null) {
        const token = await signToken(key, {
          type: 'internal',
          issuer: 'homegraph-router',
          audience: 'orgs',
          subject,
          ttlSeconds: 60,
          claims: { roles: subject === ANONYMOUS ? [] : ['USER'] },
        });
        headers['authorization'] = `Bearer ${token}`;
      }
      const response = await fetch(`${service.url}/graphql`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(30_000),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    async count(table) {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
      return rows[0]?.n ?? 0;
    },
    async stop() {
      await db.end();
      const code = await service.stop();
      await database.drop();
      if (code !== 0) throw new Error(`orgs exited with ${code}:\n${service.output()}`);
    },
  };
}

export const newUserId = (): string => randomUUID();

export function errorCodes(result: GraphQLResult): string[] {
  return (result.errors ?? []).map((error) => error.extensions.code);
}
