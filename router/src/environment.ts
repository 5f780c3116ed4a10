import { baseEnvironment, ConfigError, port, secret } from '@homegraph/platform';
import { resolve } from 'node:path';
import { z } from 'zod';

export const environmentSchema = baseEnvironment.extend({
  PORT: port().default(4000),
  /** PKCS#8 PEM of the Ed25519 key the router signs its subgraph tokens with. */
  ROUTER_SIGNING_KEY: secret(64),
  ROUTER_TOKEN_ISSUER: z.string().default('homegraph-router'),
  /** Lifetime of a subgraph token: one request's worth, with room for clock skew. */
  /** May carry a password: no default. */
  REDIS_URL: z.url({ error: 'must be a redis:// URL (no default)' }),
  /** Requests per minute from one client address, across all router replicas. */
  RATE_LIMIT_IP_PER_MINUTE: z.coerce.number().int().positive().default(600),
  /** Namespace of the limit counters in Redis, for routers of different environments sharing one. */
  RATE_LIMIT_KEY_PREFIX: z.string().min(1).default('ratelimit'),
  ROUTER_TOKEN_TTL_SECONDS: z.coerce.number().int().min(5).max(300).default(60),
  SUPERGRAPH_PATH: z.string().default(resolve(__dirname, '../../schema/supergraph.graphql')),
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** How often the supergraph file is checked for changes. */
  SUPERGRAPH_POLL_MS: z.coerce.number().int().positive().default(2_000),
});

export type Environment = z.infer<typeof environmentSchema>;

const SUBGRAPH_URL_VARIABLE = /^SUBGRAPH_([A-Z0-9_]+)_URL$/;

/**
 * `SUBGRAPH_<NAME>_URL` overrides the routing URL composed into the supergraph for subgraph <name>,
 * so one supergraph file serves every environment.
 */
export function subgraphUrlOverrides(env: NodeJS.ProcessEnv = process.env): Map<string, string> {
  const overrides = new Map<string, string>();
  for (const [key, value] of Object.entries(env)) {
    const match = SUBGRAPH_URL_VARIABLE.exec(key);
    if (!match?.[1] || !value) continue;
    if (!z.url().safeParse(value).success) throw new ConfigError([`${key} must be a URL`]);
    overrides.set(match[1].toLowerCase(), value);
  }
  return overrides;
}
