import { clientAddress, normalizeAddress, trustedProxySet } from '../src/clientAddress';

describe('clientAddress', () => {
  const proxies = trustedProxySet(['10.0.0.1', '10.0.0.2']);

  it('is the socket peer when the peer is not a trusted proxy, whatever X-Forwarded-For says', () => {
    expect(clientAddress('203.0.113.9', '198.51.100.1', proxies)).toBe('203.0.113.9');
  });

  it('is the right-most untrusted X-Forwarded-For entry behind trusted proxies', () => {
    expect(clientAddress('10.0.0.1', '1.1.1.1, 198.51.100.7, 10.0.0.2', proxies)).toBe('198.51.100.7');
  });

  it('ignores what the client wrote left of the address our proxy saw', () => {
    expect(clientAddress('10.0.0.1', 'spoofed, 192.0.2.1, 198.51.100.7', proxies)).toBe('198.51.100.7');
  });

  it('stops at a malformed entry rather than letting the client choose its key', () => {
    expect(clientAddress('10.0.0.1', '192.0.2.1, not-an-ip, 10.0.0.2', proxies)).toBe('10.0.0.2');
  });

  it('is the trusted peer when the header is missing', () => {
    expect(clientAddress('10.0.0.1', undefined, proxies)).toBe('10.0.0.1');
  });

  it('joins repeated headers in order', () => {
    expect(clientAddress('10.0.0.1', ['192.0.2.1', '198.51.100.7'], proxies)).toBe('198.51.100.7');
  });

  it('treats IPv4-mapped IPv6 addresses as IPv4', () => {
    expect(normalizeAddress('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(clientAddress('::ffff:10.0.0.1', '192.0.2.1', proxies)).toBe('192.0.2.1');
  });
});
