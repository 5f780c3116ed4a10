import { baseEnvironment, commaList, internalAuthEnvironment, port } from '@homegraph/platform';
import { z } from 'zod';

export const environmentSchema = baseEnvironment.extend({
  ...internalAuthEnvironment.shape,
  PORT: port().default(4003),
  /** Carries the database password: a secret, so it has no default. */
  DATABASE_URL: z.url({ error: 'must be a postgresql:// URL (secret; no default)' }),
  KAFKA_BROKERS: commaList(),
  /** Isolates copies of the service sharing one Kafka cluster (test stacks); empty in every real deployment. */
  KAFKA_CONSUMER_GROUP_SUFFIX: z
    .string()
    .regex(/^[a-z0-9-]*$/)
    .default(''),
});

export type Environment = z.infer<typeof environmentSchema>;
