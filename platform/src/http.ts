import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { runWithContext } from './context';
import { checkReadiness, type ReadinessCheck } from './health';
import type { Metrics } from './metrics';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface HttpServerOptions {
  logger: Logger;
  metrics: Metrics;
  readiness: readonly ReadinessCheck[];
  /** Exact-path routes besides /health, /ready and /metrics. */
  routes: Record<string, RouteHandler>;
}

export interface HttpServer {
  server: Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting connections, lets in-flight requests finish, then closes what is left. */
  close(graceMs?: number): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Probes and scrapes: frequent and uninteresting, so they make no spans. */
const UNTRACED_ROUTES = new Set(['/health', '/ready', '/metrics']);

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

export class BodyTooLargeError extends Error {}

/** Reads a request body, refusing more than `limitBytes`. */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new BodyTooLargeError(`body exceeds ${limitBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function createHttpServer({ logger, metrics, readiness, routes }: HttpServerOptions): HttpServer {
  const table: Record<string, RouteHandler> = {
    '/health': (_req, res) => sendJson(res, 200, { status: 'ok' }),
    '/ready': async (_req, res) => {
      const report = await checkReadiness(readiness);
      if (!report.ready) logger.warn({ checks: report.checks }, 'not ready');
      sendJson(res, report.ready ? 200 : 503, report);
    },
    '/metrics': async (_req, res) => {
      const body = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(body);
    },
    ...routes,
  };

  const tracer = trace.getTracer('@homegraph/platform/http');
  const server = createServer((req, res) => {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', requestId);
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const handler = table[path];
    const route = handler ? path : 'unmatched';
    const stopTimer = metrics.httpRequestDuration.startTimer({ method: req.method ?? 'UNKNOWN', route });
    res.once('finish', () => {
      const seconds = stopTimer({ status_code: String(res.statusCode) });
      if (!UNTRACED_ROUTES.has(route)) {
        logger.debug(
          { method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000) },
          'request',
        );
      }
    });

    const serve = () => {
      if (!handler) {
        sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'no such route' } });
        return;
      }
      Promise.resolve()
        .then(() => handler(req, res))
        .catch((error: unknown) => {
          logger.error({ err: error, route }, 'request failed');
          if (!res.headersSent)
            sendJson(res, 500, { error: { code: 'INTERNAL', message: 'internal error', requestId } });
          else res.destroy();
        });
    };

    runWithContext({ requestId }, () => {
      if (UNTRACED_ROUTES.has(route)) return serve();
      // Continue the caller's trace (W3C traceparent) when there is one.
      const parent = propagation.extract(context.active(), req.headers);
      tracer.startActiveSpan(
        `${req.method ?? 'HTTP'} ${route}`,
        { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? '', 'url.path': route } },
        parent,
        (span) => {
          res.once('close', () => {
            span.setAttribute('http.response.status_code', res.statusCode);
            if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
            span.end();
          });
          serve();
        },
      );
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close(graceMs = 10_000) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
