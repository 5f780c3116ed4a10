/**
 * The comparison gateways of `listing-page.ts`, one per child process so each has an event loop of its
 * own, as our router has:
 *
 *   node bench/dist/router/gateways.js plain | hive | hive-no-dedupe
 *
 * Reads PORT, ROUTER_SIGNING_KEY, SUPERGRAPH_PATH and SUBGRAPH_<NAME>_URL. Neither gateway checks users
 * or limits anything: they forward every request with one internal token per subgraph, signed at start,
 * because the subgraphs answer nothing else.
 */
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { loadSigningKey, signToken } from '@homegraph/platform/dist/auth/tokens';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const SUBGRAPH_NAMES = ['users', 'orgs', 'listings'] as const;
export type GatewayKind = 'plain' | 'hive' | 'hive-no-dedupe';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

/** Lives 300 s, the most a subgraph accepts; the parent keeps each gateway up for far less. */
async function staticTokens(): Promise<Map<string, string>> {
  const key = await loadSigningKey(required('ROUTER_SIGNING_KEY'));
  const tokens = new Map<string, string>();
  for (const name of SUBGRAPH_NAMES) {
    tokens.set(
      name,
      await signToken(key, {
        type: 'internal',
        issuer: 'homegraph-router',
        audience: name,
        subject: 'anonymous',
        ttlSeconds: 300,
      }),
    );
  }
  return tokens;
}

const subgraphUrl = (name: string) => required(`SUBGRAPH_${name.toUpperCase()}_URL`);

/** `@apollo/gateway` + `@apollo/server` as their docs set them up: no plugins, the default fetcher. */
async function plainGateway(port: number, tokens: Map<string, string>): Promise<void> {
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(required('SUPERGRAPH_PATH'), 'utf8'),
    buildService: ({ name, url }) => {
      const authorization = `Bearer ${tokens.get(name) ?? ''}`;
      return new RemoteGraphQLDataSource({
        url: process.env[`SUBGRAPH_${name.toUpperCase()}_URL`] ?? url,
        willSendRequest: ({ request }) => {
          request.http?.headers.set('authorization', authorization);
        },
      });
    },
  });
  const server = new ApolloServer({ gateway });
  await startStandaloneServer(server, { listen: { port, host: '127.0.0.1' } });
}

/**
 * Hive Gateway with its defaults, which include merging identical in-flight subgraph requests
 * (`deduplicateInflightRequests` of its HTTP transport); `hive-no-dedupe` turns only that off.
 */
function hiveGateway(port: number, tokens: Map<string, string>, dedupe: boolean): void {
  const runtime = createGatewayRuntime({
    supergraph: required('SUPERGRAPH_PATH'),
    logging: 'warn',
    transportEntries: Object.fromEntries(
      SUBGRAPH_NAMES.map((name) => [
        name,
        {
          location: subgraphUrl(name),
          headers: [['authorization', `Bearer ${tokens.get(name) ?? ''}`]] as [string, string][],
          ...(dedupe ? {} : { options: { deduplicateInflightRequests: false } }),
        },
      ]),
    ),
  });
  createServer(runtime).listen(port, '127.0.0.1');
}

async function main(): Promise<void> {
  const kind = process.argv[2] as GatewayKind | undefined;
  const port = Number(required('PORT'));
  const tokens = await staticTokens();
  if (kind === 'plain') await plainGateway(port, tokens);
  else if (kind === 'hive' || kind === 'hive-no-dedupe') hiveGateway(port, tokens, kind === 'hive');
  else throw new Error(`usage: gateways.js plain|hive|hive-no-dedupe (got ${String(kind)})`);
  // --cpu-prof writes its profile only on a normal exit.
  process.once('SIGTERM', () => process.exit(0));
}

main().catch((error: unknown) => {
  process.stderr.write(`gateway failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
