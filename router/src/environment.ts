import { baseEnvironment, ConfigError, port, secret } from '@homegraph/platform';
import { resolve } from 'node:path';
import { z } from 'zod';

/** A comma-separated list that may be empty (unlike the kit's `commaList`). */
const optionalList = () =>
  z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    );

const positiveInt = () => z.coerce.number().int().positive();

const partnerClientsSchema = z
  .string()
  .default('[]')
  .transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: 'must be JSON' });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(
        z.strictObject({
          // Names a manifest file, so no path separators or dots.
          name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: 'name must be a lowercase slug' }),
          keySha256: z
            .string()
            .regex(/^[0-9a-f]{64}$/, { error: 'keySha256 must be a lowercase hex SHA-256' }),
        }),
      )
      .refine((clients) => new Set(clients.map((client) => client.name)).size === clients.length, {
        error: 'partner names must be unique',
      })
      .refine((clients) => new Set(clients.map((client) => client.keySha256)).size === clients.length, {
        error: 'partner key hashes must be unique',
      }),
  );

export const environmentSchema = baseEnvironment.extend({
  PORT: port().default(4000),
  /** PKCS#8 PEM of the Ed25519 key the router signs its subgraph tokens with. */
  ROUTER_SIGNING_KEY: secret(64),
  ROUTER_TOKEN_ISSUER: z.string().default('homegraph-router'),
  /** Lifetime of a subgraph token: one request's worth, with room for clock skew. */
  ROUTER_TOKEN_TTL_SECONDS: z.coerce.number().int().min(5).max(300).default(60),
  /** May carry a password: no default. */
  REDIS_URL: z.url({ error: 'must be a redis:// URL (no default)' }),
  /** Requests per minute from one client address, across all router replicas. */
  RATE_LIMIT_IP_PER_MINUTE: positiveInt().default(600),
  /** Requests per minute from one signed-in user, wherever they come from. */
  RATE_LIMIT_USER_PER_MINUTE: positiveInt().default(300),
  /** Requests per minute from one partner key: partners call from servers, in volume. */
  RATE_LIMIT_PARTNER_PER_MINUTE: positiveInt().default(1_200),
  /** Namespace of the limit counters in Redis, for routers of different environments sharing one. */
  RATE_LIMIT_KEY_PREFIX: z.string().min(1).default('ratelimit'),
  /** Peers whose X-Forwarded-For is believed (load balancers); everyone else is the client. */
  TRUSTED_PROXIES: optionalList().pipe(z.array(z.union([z.ipv4(), z.ipv6()]))),
  /** Where the users subgraph publishes the public keys of access tokens. */
  USERS_JWKS_URL: z.url().default('http://127.0.0.1:4001/.well-known/jwks.json'),
  /** Least time between two JWKS fetches triggered by an unknown `kid` (a key rotated in). */
  USERS_JWKS_COOLDOWN_MS: z.coerce.number().int().min(0).default(30_000),
  /** Longest a fetched JWKS is used before it is fetched again (a key rotated out). */
  USERS_JWKS_MAX_AGE_MS: positiveInt().default(600_000),
  ACCESS_TOKEN_ISSUER: z.string().min(1).default('homegraph-users'),
  ACCESS_TOKEN_AUDIENCE: z.string().min(1).default('homegraph'),
  /** JSON `[{"name":"acme","keySha256":"<hex>"}]`: hashes only, so the config holds no usable key. */
  PARTNER_CLIENTS: partnerClientsSchema,
  /** Holds `<partner name>.json`, each partner's safelist (Apollo persisted-query manifest). */
  PERSISTED_OPERATIONS_DIR: z.string().default(resolve(__dirname, '../../schema/persisted-operations')),
  /** Automatic persisted queries live in Redis, so every replica and a restart see them. */
  APQ_KEY_PREFIX: z.string().min(1).default('apq'),
  APQ_TTL_SECONDS: positiveInt().default(86_400),
  MAX_QUERY_DEPTH: positiveInt().default(12),
  MAX_QUERY_ALIASES: positiveInt().default(30),
  MAX_QUERY_COST: positiveInt().default(5_000),
  MAX_QUERY_TOKENS: positiveInt().default(2_000),
  MAX_QUERY_DIRECTIVES: positiveInt().default(20),
  /** Browser origins allowed to call the router; none by default. */
  CORS_ORIGINS: optionalList().pipe(z.array(z.url())),
  SUPERGRAPH_PATH: z.string().default(resolve(__dirname, '../../schema/supergraph.graphql')),
  SUBGRAPH_TIMEOUT_MS: positiveInt().default(10_000),
  /** Identical queries to a subgraph in flight at once (same body, same caller) share one request. */
  SUBGRAPH_DEDUPE_INFLIGHT: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((value) => value === 'true' || value === '1'),
  /** How often the supergraph file is checked for changes. */
  SUPERGRAPH_POLL_MS: positiveInt().default(2_000),
  /** Brokers of the subscription topics; none turns subscriptions off (subscribing answers an error). */
  KAFKA_BROKERS: optionalList(),
  /** Each router process reads the topics in a consumer group of its own, named from this. */
  SUBSCRIPTION_CONSUMER_GROUP_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/)
    .default('router-subscriptions'),
  /** A socket with more unsent results than this is closed with 4008 "slow consumer". */
  SUBSCRIPTION_MAX_BUFFERED_BYTES: positiveInt().default(1_048_576),
  /** graphql-ws keep-alive: a socket that misses a pong for this long is dropped; 0 turns it off. */
  SUBSCRIPTION_KEEPALIVE_MS: z.coerce.number().int().min(0).default(12_000),
  /** A resume that would read more records than this is refused (RESUME_LIMIT_EXCEEDED). */
  SUBSCRIPTION_RESUME_MAX_EVENTS: positiveInt().default(10_000),
  /** Subscriptions one socket may hold at once; one more is refused (SUBSCRIPTION_LIMIT_EXCEEDED). */
  SUBSCRIPTION_MAX_PER_SOCKET: positiveInt().default(100),
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
