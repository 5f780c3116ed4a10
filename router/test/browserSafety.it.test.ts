import { startRouterUnderTest, type RouterUnderTest } from './routerHarness';

const ALLOWED = 'https://app.homegraph.example';
const OTHER = 'https://evil.example';

/** What a browser may do with the router: CSRF prevention, CORS for configured origins only. */
describe('router in the browser', () => {
  let harness: RouterUnderTest;
  const url = () => `${harness.router.url}/graphql`;

  beforeAll(async () => {
    harness = await startRouterUnderTest({ CORS_ORIGINS: ALLOWED });
  });

  afterAll(async () => {
    await harness?.stop();
  });

  it.each([
    [
      'a simple-content-type POST',
      () =>
        fetch(url(), {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: JSON.stringify({ query: '{ __typename }' }),
        }),
    ],
    ['a GET', () => fetch(`${url()}?query=${encodeURIComponent('{ __typename }')}`)],
  ])('refuses %s without a preflight-forcing header (CSRF)', async (_case, send) => {
    const response = await send();
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('CSRF');
  });

  it('answers a GET that forces a preflight', async () => {
    const response = await fetch(`${url()}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(200);
  });

  it('answers the preflight of an allowed origin, without credentials or a wildcard', async () => {
    const response = await fetch(url(), {
      method: 'OPTIONS',
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('gives another origin no CORS headers, on the preflight or the request', async () => {
    const preflight = await fetch(url(), {
      method: 'OPTIONS',
      headers: { origin: OTHER, 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
    const reply = await harness.post({ query: '{ __typename }' }, { origin: OTHER });
    expect(reply.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets an allowed origin read the response', async () => {
    const reply = await harness.post({ query: '{ __typename }' }, { origin: ALLOWED });
    expect(reply.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(reply.headers.get('vary')).toMatch(/origin/i);
  });

  it('serves the Sandbox landing page and introspection in development', async () => {
    const page = await fetch(url(), { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('sandbox');
    const reply = await harness.post({ query: '{ __schema { queryType { name } } }' });
    expect(reply.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });
});

describe('router in production', () => {
  let harness: RouterUnderTest;

  beforeAll(async () => {
    harness = await startRouterUnderTest({ NODE_ENV: 'production' });
  });

  afterAll(async () => {
    await harness?.stop();
  });

  it('refuses introspection', async () => {
    const reply = await harness.post({ query: '{ __schema { queryType { name } } }' });
    expect(reply.body.data).toBeUndefined();
    expect(reply.body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(reply.body.errors?.[0]?.message).toMatch(/introspection/i);
  });

  it('serves no landing page', async () => {
    const page = await fetch(`${harness.router.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('sandbox');
  });

  it('still answers operations', async () => {
    const reply = await harness.post({ query: '{ listings(first: 1) { id } }' });
    expect(reply.body.data).toEqual({ listings: [{ id: 'listing-1' }] });
  });
});
