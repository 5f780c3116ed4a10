import { AppError, ConfigError } from '@homegraph/platform';
import { parse, validate, type GraphQLSchema } from 'graphql';
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export interface PartnerClientConfig {
  name: string;
  keySha256: string;
}

export interface Partner {
  name: string;
  /** Operation bodies by the hex SHA-256 of the body. */
  safelist: ReadonlyMap<string, string>;
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

const manifestSchema = z.object({
  format: z.literal('apollo-persisted-query-manifest'),
  version: z.literal(1),
  operations: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      type: z.enum(['query', 'mutation', 'subscription']),
      body: z.string(),
    }),
  ),
});

/** Reads one partner's safelist and refuses it unless every operation is exactly what it claims to be. */
export async function loadSafelist(path: string, schema: GraphQLSchema): Promise<Map<string, string>> {
  const problems: string[] = [];
  let manifest: z.infer<typeof manifestSchema> | undefined;
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    if (parsed.success) manifest = parsed.data;
    else problems.push(`${path} is not an Apollo persisted-query manifest`);
  } catch (error) {
    problems.push(`${path} can't be read as JSON (${(error as Error).message})`);
  }
  const safelist = new Map<string, string>();
  for (const operation of manifest?.operations ?? []) {
    const where = `${path}: operation ${operation.name}`;
    if (sha256Hex(operation.body) !== operation.id) {
      problems.push(`${where} has an id that is not the SHA-256 of its body`);
      continue;
    }
    try {
      const errors = validate(schema, parse(operation.body));
      if (errors.length) problems.push(`${where} does not validate: ${errors[0]?.message}`);
      else safelist.set(operation.id, operation.body);
    } catch (error) {
      problems.push(`${where} does not parse: ${(error as Error).message}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return safelist;
}

export interface PartnerDirectory {
  /** The partner a raw `x-api-key` belongs to; UNAUTHENTICATED for any other key. */
  identify(apiKey: string): Partner;
}

export async function loadPartners(
  clients: readonly PartnerClientConfig[],
  manifestDir: string,
  schema: GraphQLSchema,
): Promise<PartnerDirectory> {
  const partners = await Promise.all(
    clients.map(async (client) => ({
      digest: Buffer.from(client.keySha256, 'hex'),
      partner: {
        name: client.name,
        safelist: await loadSafelist(join(manifestDir, `${client.name}.json`), schema),
      },
    })),
  );
  return {
    identify(apiKey) {
      const digest = createHash('sha256').update(apiKey, 'utf8').digest();
      // Every configured hash is compared, each in constant time, so timing says nothing about which
      // partner came close.
      let found: Partner | undefined;
      for (const candidate of partners) {
        if (timingSafeEqual(candidate.digest, digest)) found = candidate.partner;
      }
      if (!found) throw new AppError('UNAUTHENTICATED', 'unknown API key');
      return found;
    },
  };
}
