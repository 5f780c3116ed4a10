import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { currentContext } from './context';
import { ERROR_CODES, isAppError } from './errors';
import { BodyTooLargeError, readBody, sendJson, type RouteHandler } from './http';

/** Codes raised by GraphQL machinery itself that describe the client's request, not our internals. */
const PUBLIC_FRAMEWORK_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/**
 * Apollo `formatError`: passes through errors that are safe to show (AppErrors, registry codes,
 * request-shape errors) and turns everything else into INTERNAL, logging the original.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = (error as { originalError?: unknown } | undefined)?.originalError ?? error;
    const code = formatted.extensions?.['code'];
    const requestId = currentContext()?.requestId;
    if (isAppError(original)) {
      return { ...formatted, extensions: { ...original.details, code: original.code, requestId } };
    }
    if (
      typeof code === 'string' &&
      code !== 'INTERNAL' &&
      (code in ERROR_CODES || PUBLIC_FRAMEWORK_CODES.has(code))
    ) {
      // Stack traces, the name of the subgraph that failed and its raw answer (with its address, which
      // the gateway attaches when a subgraph answers 4xx/5xx) are internal details.
      const {
        stacktrace: _stacktrace,
        serviceName: _serviceName,
        response: _response,
        ...extensions
      } = formatted.extensions ?? {};
      return { ...formatted, extensions: { ...extensions, requestId } };
    }
    logger.error({ err: original, path: formatted.path }, 'unexpected error in resolver');
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'INTERNAL', requestId },
    };
  };
}

export interface GraphQLRouteOptions<TContext extends BaseContext> {
  apollo: ApolloServer<TContext>;
  context: (req: IncomingMessage) => Promise<TContext>;
  maxBodyBytes?: number;
}

/** Serves an ApolloServer on a route of our own HTTP server (no web framework in between). */
export function createGraphQLRoute<TContext extends BaseContext>({
  apollo,
  context,
  maxBodyBytes = 1_000_000,
}: GraphQLRouteOptions<TContext>): RouteHandler {
  return async (req, res) => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown;
    if (req.method === 'POST') {
      let raw: Buffer;
      try {
        raw = await readBody(req, maxBodyBytes);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          sendJson(res, 413, {
            errors: [{ message: error.message, extensions: { code: 'BAD_USER_INPUT' } }],
          });
          return;
        }
        throw error;
      }
      try {
        body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        sendJson(res, 400, {
          errors: [{ message: 'request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }],
        });
        return;
      }
    }
    // Resolved before Apollo runs, so a refused caller gets its status code and error code, not a 500.
    let resolvedContext: TContext;
    try {
      resolvedContext = await context(req);
    } catch (error) {
      if (!isAppError(error)) throw error;
      const requestId = currentContext()?.requestId;
      sendJson(res, ERROR_CODES[error.code].httpStatus, {
        errors: [{ message: error.message, extensions: { ...error.details, code: error.code, requestId } }],
      });
      return;
    }
    const url = req.url ?? '/';
    const queryIndex = url.indexOf('?');
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: (req.method ?? 'GET').toUpperCase(),
        headers,
        search: queryIndex >= 0 ? url.slice(queryIndex) : '',
        body,
      },
      context: async () => resolvedContext,
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
