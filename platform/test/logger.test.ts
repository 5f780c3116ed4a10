import { Writable } from 'node:stream';
import { runWithContext } from '../src/context';
import { createLogger, scrubText } from '../src/logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'test', level: 'info', destination }) };
}

describe('logger', () => {
  it('redacts sensitive keys at any of the first three levels', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        password: 'p1',
        user: { email: 'a@b.co', phone: '+34600000000' },
        req: { headers: { authorization: 'Bearer x' } },
      },
      'hello',
    );
    const text = JSON.stringify(lines[0]);
    for (const leaked of ['p1', 'a@b.co', '+34600000000', 'Bearer x']) expect(text).not.toContain(leaked);
    expect(text).toContain('[REDACTED]');
  });

  it('masks emails, international phone numbers and tokens in messages and errors', () => {
    const { lines, logger } = capture();
    logger.info('mail ana@example.com or call +44 20 7946 0958');
    logger.error(new Error('login failed for ana@example.com with Bearer abc.def.ghi'));
    const text = JSON.stringify(lines);
    expect(text).not.toContain('ana@example.com');
    expect(text).not.toContain('7946');
    expect(text).not.toContain('abc.def.ghi');
  });

  it('leaves ids, addresses and timestamps alone', () => {
    const text = 'listing 00000000-0000-4000-8000-000000000012 at 127.0.0.1:5432 on 2026-12-04';
    expect(scrubText(text)).toBe(text);
  });

  it('stamps the request id of the current context', () => {
    const { lines, logger } = capture();
    runWithContext({ requestId: 'req-42' }, () => logger.info('inside'));
    logger.info('outside');
    expect(lines[0]?.['requestId']).toBe('req-42');
    expect(lines[1]?.['requestId']).toBeUndefined();
  });
});
