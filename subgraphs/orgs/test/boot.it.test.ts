import { runToExit } from '../../../test/support/serviceProcess';

const MAIN = 'subgraphs/orgs/dist/main.js';

describe('orgs subgraph boot', () => {
  it('exits non-zero naming a missing secret and every other bad variable, without starting', async () => {
    const { code, output } = await runToExit(MAIN, { KAFKA_BROKERS: '', PORT: 'not-a-port' });
    expect(code).toBe(2);
    expect(output).toContain('DATABASE_URL');
    expect(output).toContain('KAFKA_BROKERS');
    expect(output).toContain('PORT');
    expect(output).toContain('ROUTER_PUBLIC_JWKS');
    expect(output).not.toContain('listening');
  });

  it('never echoes the value of an invalid secret', async () => {
    const { code, output } = await runToExit(MAIN, {
      DATABASE_URL: 'hunter2-not-a-url',
      KAFKA_BROKERS: '127.0.0.1:1',
    });
    expect(code).toBe(2);
    expect(output).toContain('DATABASE_URL');
    expect(output).not.toContain('hunter2');
  });
});
