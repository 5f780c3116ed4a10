import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { routerKeys } from '../../test/support/routerKeys';
import { startService } from '../../test/support/serviceProcess';

/**
 * With an OTLP endpoint configured, the router continues the caller's W3C trace and exports its
 * server span; every log line of the request carries the same trace id.
 */
describe('router tracing', () => {
  let collector: Server;
  const exports: string[] = [];

  beforeAll(async () => {
    // Stands in for an OpenTelemetry collector: records what the exporter posts.
    collector = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (req.url === '/v1/traces') exports.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  });

  afterAll(() => new Promise<void>((resolve) => collector.close(() => resolve())));

  it('exports a server span in the caller trace and stamps logs with its trace id', async () => {
    const { port } = collector.address() as AddressInfo;
    const router = await startService('router/dist/main.js', {
      ROUTER_SIGNING_KEY: (await routerKeys()).ROUTER_SIGNING_KEY,
      REDIS_URL: process.env['REDIS_URL'] as string,
      OTEL_ENABLED: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      LOG_LEVEL: 'debug',
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(`${router.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      body: JSON.stringify({ query: '{ nope }' }),
    });
    expect(response.status).toBe(400);
    expect(await router.stop()).toBe(0); // shutdown flushes the span batch

    const exported = exports.join('\n');
    expect(exported).toContain(traceId);
    expect(exported).toContain('POST /graphql');
    expect(exported).toContain('"router"');
    const requestLog = router
      .output()
      .split('\n')
      .find((line) => line.includes('"msg":"request"'));
    expect(requestLog).toContain(`"traceId":"${traceId}"`);
  });
});
