import { z } from 'zod';

/** Thrown when the environment does not satisfy a service's config schema; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const PLACEHOLDER_SECRETS = new Set([
  'secret',
  'changeme',
  'change-me',
  'password',
  'default',
  'test',
  'dev',
]);

/**
 * A secret never has a default, in any environment: local runs get generated secrets from `make up`.
 * Obvious placeholders and short values are refused so a copy of `.env.example` can't boot.
 */
export const secret = (minLength = 16) =>
  z
    .string({ error: 'is required (secret; no default)' })
    .min(minLength, { error: `must be at least ${minLength} characters` })
    .refine((value) => !PLACEHOLDER_SECRETS.has(value.toLowerCase()), { error: 'is a placeholder value' });

/** A comma-separated list in one variable, e.g. KAFKA_BROKERS=host1:9092,host2:9092. */
export const commaList = () =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string()).min(1, { error: 'must list at least one value' }));

export const port = () => z.coerce.number().int().min(0).max(65535);

const booleanString = () =>
  z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

/** Variables every service reads. */
export const baseEnvironment = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('127.0.0.1'),
  PORT: port(),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_ENABLED: booleanString().default(false),
});

export type BaseEnvironment = z.infer<typeof baseEnvironment>;

/**
 * Parses the environment once. On failure throws a ConfigError naming every missing or invalid
 * variable (never echoing its value, which may be a secret).
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.map(String).join('.') || '(environment)';
    const message =
      issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
    return `${name} ${message}`;
  });
  throw new ConfigError([...new Set(problems)].sort());
}
