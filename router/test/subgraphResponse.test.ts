import { BufferedResponse, headerMapOf } from '../src/subgraphResponse';

const responseOf = (body: string | Buffer, status = 200, headers: Record<string, string | string[]> = {}) =>
  new BufferedResponse(
    'http://subgraph.internal/graphql',
    status,
    status === 200 ? 'OK' : 'Bad Gateway',
    headerMapOf({ 'content-type': 'application/json', ...headers }),
    Buffer.isBuffer(body) ? body : Buffer.from(body),
  );

describe('BufferedResponse', () => {
  it('reports status, ok, statusText, url and redirected as a fetch Response does', () => {
    const ok = responseOf('{}');
    expect([ok.status, ok.ok, ok.statusText, ok.url, ok.redirected]).toEqual([
      200,
      true,
      'OK',
      'http://subgraph.internal/graphql',
      false,
    ]);
    expect(responseOf('{}', 299).ok).toBe(true);
    expect(responseOf('{}', 300).ok).toBe(false);
    expect(responseOf('{}', 502).ok).toBe(false);
    expect(responseOf('{}', 502).statusText).toBe('Bad Gateway');
  });

  it('reads headers case-insensitively, joins repeated ones and iterates them sorted', () => {
    const response = responseOf('{}', 200, { 'Cache-Control': 'max-age=60', vary: ['accept', 'origin'] });
    expect(response.headers.get('Content-Type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('max-age=60');
    expect(response.headers.get('vary')).toBe('accept, origin');
    expect(response.headers.get('x-missing')).toBeNull();
    expect(response.headers.has('CONTENT-TYPE')).toBe(true);
    expect([...response.headers]).toEqual([
      ['cache-control', 'max-age=60'],
      ['content-type', 'application/json'],
      ['vary', 'accept, origin'],
    ]);
    expect([...response.headers.keys()]).toEqual(['cache-control', 'content-type', 'vary']);
    expect([...response.headers.values()]).toEqual(['max-age=60', 'application/json', 'accept, origin']);
  });

  it('keeps one response’s header changes out of another sharing the same map', () => {
    const shared = headerMapOf({ 'content-type': 'application/json' });
    const body = Buffer.from('{}');
    const a = new BufferedResponse('u', 200, 'OK', shared, body);
    const b = new BufferedResponse('u', 200, 'OK', shared, body);
    a.headers.set('X-Added', '1');
    a.headers.append('x-added', '2');
    a.headers.delete('content-type');
    expect(a.headers.get('x-added')).toBe('1, 2');
    expect(a.headers.has('content-type')).toBe(false);
    expect(b.headers.get('content-type')).toBe('application/json');
    expect(b.headers.has('x-added')).toBe(false);
    expect(shared.get('content-type')).toBe('application/json');
  });

  it('parses json and decodes text as UTF-8 without a byte order mark', async () => {
    expect(await responseOf('{"data":{"city":"Zürich"}}').json()).toEqual({ data: { city: 'Zürich' } });
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]);
    expect(await responseOf(withBom).text()).toBe('{"a":1}');
    expect(await responseOf(withBom).json()).toEqual({ a: 1 });
    expect(await responseOf('').text()).toBe('');
    await expect(responseOf('<html>').json()).rejects.toThrow(SyntaxError);
  });

  it('lets a body be read once, as fetch does', async () => {
    const response = responseOf('{"a":1}');
    expect(response.bodyUsed).toBe(false);
    expect(await response.text()).toBe('{"a":1}');
    expect(response.bodyUsed).toBe(true);
    await expect(response.json()).rejects.toThrow(TypeError);
    await expect(response.text()).rejects.toThrow(TypeError);
    await expect(response.arrayBuffer()).rejects.toThrow(TypeError);
    expect(() => response.clone()).toThrow(TypeError);
  });

  it('clones before reading: each copy reads the whole body and has its own headers', async () => {
    const response = responseOf('{"a":1}');
    response.headers.set('x-before', 'yes');
    const copy = response.clone();
    copy.headers.set('x-after', 'copy only');
    expect(await copy.json()).toEqual({ a: 1 });
    expect(copy.bodyUsed).toBe(true);
    expect(response.bodyUsed).toBe(false);
    expect(await response.text()).toBe('{"a":1}');
    expect(copy.headers.get('x-before')).toBe('yes');
    expect(response.headers.has('x-after')).toBe(false);
    expect([copy.status, copy.statusText, copy.url]).toEqual([
      response.status,
      response.statusText,
      response.url,
    ]);
  });

  it('hands out a copy of the bytes, so the shared body stays intact', async () => {
    const body = Buffer.from('{"a":1}');
    const first = new BufferedResponse('u', 200, 'OK', headerMapOf({}), body);
    const second = new BufferedResponse('u', 200, 'OK', headerMapOf({}), body);
    const bytes = new Uint8Array(await first.arrayBuffer());
    expect(Buffer.from(bytes).toString()).toBe('{"a":1}');
    bytes.fill(0);
    expect(await second.text()).toBe('{"a":1}');
  });
});
