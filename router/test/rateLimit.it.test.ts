import { randomUUID } from 'node:crypto';
import { routerKeys } from '../../test/support/routerKeys';
import { startService, type ServiceProcess } from '../../test/support/serviceProcess';

/** Limits per client address are counted in Redis and refused with RATE_LIMITED and Retry-After. */
describe('router rate limits', () => {
  let router: ServiceProcess;

  beforeAll(async () => {
    router = await startService('router/dist/main.js', {
      ROUTER_SIGNING_KEY: (await routerKeys()).ROUTER_SIGNING_KEY,
      REDIS_URL: process.env['REDIS_URL'] as string,
      RATE_LIMIT_IP_PER_MINUTE: '3',
      RATE_LIMIT_KEY_PREFIX: `test-${randomUUID()}`,
    });
  });

  afterAll(async () => {
    await router?.stop();
  });

  it('refuses a burst past the limit with 429, Retry-After and RATE_LIMITED', async () => {
    const send = () =>
      fetch(`${router.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
    const statuses = [];
    for (let request = 0; request < 3; request++) statuses.push((await send()).status);
    expect(statuses).toEqual([200, 200, 200]);
    const refused = await send();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await refused.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('RATE_LIMITED');
  });
});
