import type { RouteHandler } from '@homegraph/platform';

const ALLOWED_METHODS = 'GET, POST, OPTIONS';
const ALLOWED_HEADERS = [
  'content-type',
  'authorization',
  'x-api-key',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'x-request-id',
  'traceparent',
  'tracestate',
].join(', ');
const EXPOSED_HEADERS = 'x-request-id, retry-after, ratelimit-remaining';

/**
 * CORS for the configured origins only. Credentials are bearer tokens and API keys, never cookies, so
 * credentialed CORS is never granted and `*` is never sent. Other origins get no CORS headers at all,
 * which the browser enforces. Preflights are answered here, before rate limits and credentials.
 */
export function withCors(handler: RouteHandler, origins: readonly string[]): RouteHandler {
  const allowed = new Set(origins.map((origin) => new URL(origin).origin));
  return async (req, res) => {
    const origin = req.headers.origin;
    const permitted = origin !== undefined && allowed.has(origin);
    res.setHeader('vary', 'Origin');
    if (permitted) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
    }
    if (req.method === 'OPTIONS') {
      if (permitted) {
        res.setHeader('access-control-allow-methods', ALLOWED_METHODS);
        res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
        res.setHeader('access-control-max-age', '600');
      }
      res.writeHead(204).end();
      return;
    }
    await handler(req, res);
  };
}
