import { checkReadiness } from '../src/health';

describe('checkReadiness', () => {
  it('is ready only when every check passes, and reports each', async () => {
    const report = await checkReadiness([
      { name: 'db', check: async () => {} },
      { name: 'bus', check: async () => Promise.reject(new Error('connection refused')) },
    ]);
    expect(report).toEqual({
      ready: false,
      checks: { db: { ok: true }, bus: { ok: false, error: 'connection refused' } },
    });
  });

  it('fails a check that does not answer within its timeout', async () => {
    const report = await checkReadiness([
      { name: 'stuck', timeoutMs: 20, check: () => new Promise(() => {}) },
    ]);
    expect(report.ready).toBe(false);
    expect(report.checks['stuck']?.error).toMatch(/timed out/);
  });
});
