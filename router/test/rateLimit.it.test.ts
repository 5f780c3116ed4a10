import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { sha256Hex } from '../src/partners';
import { REPO_ROOT } from '../../test/support/localServers';
import { routerKeys } from '../../test/support/routerKeys';
import { startService, type ServiceProcess } from '../../test/support/serviceProcess';
import {
  accessToken,
  codeOf,
  redisConnected,
  startRouterUnderTest,
  type Reply,
  type RouterUnderTest,
} from './routerHarness';

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
    await redisConnected(router);
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

  it('closes a WebSocket from the same address with 1013 while it is over the limit', async () => {
    const socket = new WebSocket(`${router.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    const { code, reason } = await closed;
    expect(code).toBe(1013);
    expect(reason).toMatch(/^rate limited; retry in \d+ s$/);
  });
});

/** Users and partners have limits of their own, whatever address they call from. */
describe('router rate limits per user and per partner', () => {
  let harness: RouterUnderTest;
  const partnerKey = randomUUID();

  beforeAll(async () => {
    harness = await startRouterUnderTest({
      RATE_LIMIT_IP_PER_MINUTE: '1000',
      RATE_LIMIT_USER_PER_MINUTE: '2',
      RATE_LIMIT_PARTNER_PER_MINUTE: '2',
      TRUSTED_PROXIES: '127.0.0.1',
      PARTNER_CLIENTS: JSON.stringify([{ name: 'demo-partner', keySha256: sha256Hex(partnerKey) }]),
    });
  });

  afterAll(async () => {
    await harness?.stop();
  });

  const expectRefused = (reply: Reply) => {
    expect(reply.status).toBe(429);
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(codeOf(reply)).toBe('RATE_LIMITED');
  };

  it('refuses a burst from one user past its limit, from any address', async () => {
    const token = { authorization: `Bearer ${await accessToken(harness.usersKey)}` };
    const query = { query: '{ __typename }' };
    // Behind a trusted proxy each request comes from another client address.
    const from = (address: string) => ({ ...token, 'x-forwarded-for': address });
    expect((await harness.post(query, from('192.0.2.1'))).status).toBe(200);
    expect((await harness.post(query, from('192.0.2.2'))).status).toBe(200);
    expectRefused(await harness.post(query, from('192.0.2.3')));
    // Another user is not affected.
    const other = { authorization: `Bearer ${await accessToken(harness.usersKey)}` };
    expect((await harness.post(query, other)).status).toBe(200);
  });

  it('refuses a burst from one partner key past its limit', async () => {
    const operation = {
      query: (
        JSON.parse(
          readFileSync(join(REPO_ROOT, 'schema/persisted-operations/demo-partner.json'), 'utf8'),
        ) as {
          operations: { body: string }[];
        }
      ).operations[0]?.body,
      variables: { first: 1 },
    };
    const headers = { 'x-api-key': partnerKey };
    expect((await harness.post(operation, headers)).status).toBe(200);
    expect((await harness.post(operation, headers)).status).toBe(200);
    expectRefused(await harness.post(operation, headers));
  });
});

/** Behind a trusted proxy, the limit per address counts the client the proxy saw. */
describe('router rate limits behind a trusted proxy', () => {
  let harness: RouterUnderTest;

  beforeAll(async () => {
    harness = await startRouterUnderTest({ RATE_LIMIT_IP_PER_MINUTE: '1', TRUSTED_PROXIES: '127.0.0.1' });
  });

  afterAll(async () => {
    await harness?.stop();
  });

  it('counts each forwarded client separately, and ignores what clients prepend', async () => {
    const query = { query: '{ __typename }' };
    expect((await harness.post(query, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(200);
    expect((await harness.post(query, { 'x-forwarded-for': '198.51.100.2' })).status).toBe(200);
    const spoofed = await harness.post(query, { 'x-forwarded-for': '203.0.113.77, 198.51.100.1' });
    expect(spoofed.status).toBe(429);
  });
});
