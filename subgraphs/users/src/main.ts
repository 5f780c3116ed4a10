import {
  connectServiceKafka,
  createServiceKit,
  loadConfig,
  OutboxWriter,
  postgresReadiness,
  runMain,
  sendJson,
  serveSubgraph,
  startServiceRelay,
} from '@homegraph/platform';
import { eventCatalog } from '@homegraph/schema';
import type { UsersContext } from './context';
import { createPrismaClient } from './data/prisma';
import { createUserLoader } from './data/userLoader';
import { AccessTokenIssuer } from './domain/accessTokens';
import { AccountService } from './domain/accounts';
import { environmentSchema } from './environment';
import { buildUsersSchema } from './schema';

/** Where the router fetches the access-token keys; public, cacheable for a few minutes. */
export const JWKS_PATH = '/.well-known/jwks.json';

async function main(): Promise<void> {
  const env = loadConfig(environmentSchema);
  const kit = createServiceKit('users', env);

  const accessTokens = await AccessTokenIssuer.create({
    signingKeyPem: env.ACCESS_TOKEN_SIGNING_KEY,
    extraPublicJwks: env.ACCESS_TOKEN_EXTRA_PUBLIC_JWKS,
    issuer: env.ACCESS_TOKEN_ISSUER,
    audience: env.ACCESS_TOKEN_AUDIENCE,
    ttlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
  });
  const prisma = createPrismaClient(env.DATABASE_URL, kit.metrics.registry);
  kit.shutdown.register('postgres', () => prisma.$disconnect());
  const { kafka, readiness: kafkaCheck } = connectServiceKafka(kit, 'users', env.KAFKA_BROKERS);
  await startServiceRelay({ name: 'users', databaseUrl: env.DATABASE_URL, kafka, kit });

  const accounts = new AccountService(prisma, new OutboxWriter(eventCatalog(), 'users'), accessTokens, {
    refreshTokenTtlDays: env.REFRESH_TOKEN_TTL_DAYS,
    emailVerificationTtlHours: 48,
    passwordResetTtlMinutes: 30,
  });
  await serveSubgraph<UsersContext>({
    name: 'users',
    kit,
    env,
    schema: await buildUsersSchema(),
    readiness: [postgresReadiness(prisma), kafkaCheck],
    context: (caller) => ({ accounts, caller, users: createUserLoader(prisma) }),
    routes: {
      [JWKS_PATH]: (_req, res) => {
        res.setHeader('cache-control', 'public, max-age=300');
        sendJson(res, 200, accessTokens.jwks());
      },
    },
  });
}

runMain('users', main);
