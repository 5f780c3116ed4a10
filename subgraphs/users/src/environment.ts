import { baseEnvironment, commaList, internalAuthEnvironment, port, secret } from '@homegraph/platform';
import { z } from 'zod';

const jwksText = z
  .string()
  .transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: 'must be JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.object({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string() })) }));

export const environmentSchema = baseEnvironment.extend({
  ...internalAuthEnvironment.shape,
  PORT: port().default(4001),
  /** Carries the database password: a secret, so it has no default. */
  DATABASE_URL: z.url({ error: 'must be a postgresql:// URL (secret; no default)' }),
  KAFKA_BROKERS: commaList(),
  /** PKCS#8 PEM of the Ed25519 key access tokens are signed with. */
  ACCESS_TOKEN_SIGNING_KEY: secret(64),
  /**
   * Public keys published beside the signing key's during a rotation (JWKS JSON): the next key before
   * it signs, then the previous key until the last token it signed has expired. See docs/security.md.
   */
  ACCESS_TOKEN_EXTRA_PUBLIC_JWKS: jwksText.default({ keys: [] }),
  ACCESS_TOKEN_ISSUER: z.string().min(1).default('homegraph-users'),
  ACCESS_TOKEN_AUDIENCE: z.string().min(1).default('homegraph'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
});

export type Environment = z.infer<typeof environmentSchema>;
