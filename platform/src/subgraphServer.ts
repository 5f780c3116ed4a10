import { ApolloServer, type BaseContext } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { internalTokenAuthenticator, type CallerIdentity } from './auth/internal';
import type { BaseEnvironment } from './config';
import { createErrorFormatter } from './graphql';
import { createGraphQLRoute } from './graphql';
import type { ReadinessCheck } from './health';
import { createHttpServer, type RouteHandler } from './http';
import type { ServiceKit } from './service';

export interface SubgraphServerOptions<TContext extends BaseContext> {
  /** The subgraph's name in supergraph.yaml; the router's tokens for it carry it as audience. */
  name: string;
  kit: ServiceKit;
  env: BaseEnvironment & {
    PORT: number;
    ROUTER_PUBLIC_JWKS: { keys: object[] };
    ROUTER_TOKEN_ISSUER: string;
  };
  schema: GraphQLSchema;
  readiness: readonly ReadinessCheck[];
  /** Builds one request's context for the caller the router vouches for. */
  context: (caller: CallerIdentity, req: IncomingMessage) => TContext;
  /** Routes besides /graphql, /health, /ready and /metrics. */
  routes?: Record<string, RouteHandler>;
}

/**
 * Serves a subgraph the way every subgraph is served: /graphql answers only requests carrying the
 * router's token for this subgraph; introspection only outside production; no landing page (the
 * router has the sandbox).
 */
export async function serveSubgraph<TContext extends BaseContext>({
  name,
  kit: { logger, metrics, shutdown },
  env,
  schema,
  readiness,
  context,
  routes = {},
}: SubgraphServerOptions<TContext>): Promise<AddressInfo> {
  const apollo = new ApolloServer<TContext>({
    schema,
    formatError: createErrorFormatter(logger),
    introspection: env.NODE_ENV !== 'production',
    // Inline traces are for Apollo's hosted studio, which we don't use; traces go through OpenTelemetry.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();
  shutdown.register('apollo', () => apollo.stop());

  const authenticate = internalTokenAuthenticator({
    jwks: env.ROUTER_PUBLIC_JWKS,
    issuer: env.ROUTER_TOKEN_ISSUER,
    audience: name,
  });
  const http = createHttpServer({
    logger,
    metrics,
    readiness,
    routes: {
      ...routes,
      '/graphql': createGraphQLRoute({
        apollo,
        context: async (req) => context(await authenticate(req), req),
      }),
    },
  });
  shutdown.register('http', () => http.close());
  const address = await http.listen(env.PORT, env.HOST);
  logger.info({ port: address.port, host: address.address }, 'listening');
  return address;
}
