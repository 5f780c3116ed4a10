import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../test/support/localServers';
import { routerKeys } from '../../test/support/routerKeys';
import { startService, type ServiceProcess } from '../../test/support/serviceProcess';

interface GraphQLResponse {
  data?: unknown;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** A subgraph that hangs or is down yields SERVICE_UNAVAILABLE within the subgraph timeout. */
describe('router with a failing subgraph', () => {
  let hanging: Server;
  const routers: ServiceProcess[] = [];

  beforeAll(async () => {
    // Accepts requests and never answers them.
    hanging = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const router of routers) await router.stop();
    hanging.closeAllConnections();
    await new Promise<void>((resolve) => hanging.close(() => resolve()));
  });

  const queryThrough = async (subgraphUrl: string): Promise<GraphQLResponse> => {
    const router = await startService('router/dist/main.js', {
      ROUTER_SIGNING_KEY: (await routerKeys()).ROUTER_SIGNING_KEY,
      REDIS_URL: process.env['REDIS_URL'] as string,
      SUBGRAPH_LISTINGS_URL: subgraphUrl,
      SUBGRAPH_TIMEOUT_MS: '300',
    });
    routers.push(router);
    const response = await fetch(`${router.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ listings(first: 1) { id } }' }),
    });
    return (await response.json()) as GraphQLResponse;
  };

  it.each([
    ['does not answer', async () => `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/graphql`],
    ['refuses connections', async () => `http://127.0.0.1:${await freePort()}/graphql`],
  ])('answers SERVICE_UNAVAILABLE when the subgraph %s, without internals', async (_case, url) => {
    const subgraphUrl = await url();
    const body = await queryThrough(subgraphUrl);
    expect(body.errors?.[0]?.extensions?.['code']).toBe('SERVICE_UNAVAILABLE');
    expect(JSON.stringify(body)).not.toContain(new URL(subgraphUrl).port);
  });
});
