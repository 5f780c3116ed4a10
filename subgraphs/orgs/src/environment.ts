import { baseEnvironment, commaList, internalAuthEnvironment, port } from '@homegraph/platform';
import { z } from 'zod';

export const environmentSchema = baseEnvironment.extend({
  ...internalAuthEnvironment.shape,
  PORT: port().default(4002),
  /** Carries the database password: a secret, so it has no default. */
  DATABASE_URL: z.url({ error: 'must be a postgresql:// URL (secret; no default)' }),
  KAFKA_BROKERS: commaList(),
});

export type Environment = z.infer<typeof environmentSchema>;
