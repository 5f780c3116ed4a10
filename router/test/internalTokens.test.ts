import { decodeJwt } from 'jose';
import { generateSigningKey } from '../../platform/src/auth/tokens';
import { createInternalTokenSigner } from '../src/internalTokens';

describe('createInternalTokenSigner', () => {
  it('reuses a token for the same audience, subject and roles, in any role order', async () => {
    const sign = createInternalTokenSigner(await generateSigningKey(), { issuer: 'router', ttlSeconds: 60 });
    const first = await sign('listings', { subject: 'u1', roles: ['USER', 'AGENT'] });
    expect(await sign('listings', { subject: 'u1', roles: ['AGENT', 'USER'] })).toBe(first);
    expect(decodeJwt(first)).toEqual(
      expect.objectContaining({ sub: 'u1', aud: 'listings', roles: ['AGENT', 'USER'] }),
    );
  });

  it('signs anew for another audience, subject or set of roles', async () => {
    const sign = createInternalTokenSigner(await generateSigningKey(), { issuer: 'router', ttlSeconds: 60 });
    const base = await sign('listings', { subject: 'u1', roles: ['USER'] });
    const others = [
      await sign('users', { subject: 'u1', roles: ['USER'] }),
      await sign('listings', { subject: 'u2', roles: ['USER'] }),
      await sign('listings', { subject: 'u1', roles: ['USER', 'ADMIN'] }),
    ];
    expect(new Set([base, ...others]).size).toBe(4);
  });

  it('never reuses a token whose lifetime is within the safety margin', async () => {
    const sign = createInternalTokenSigner(await generateSigningKey(), { issuer: 'router', ttlSeconds: 10 });
    const identity = { subject: 'u1', roles: [] };
    expect(await sign('listings', identity)).not.toBe(await sign('listings', identity));
  });
});
