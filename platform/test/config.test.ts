import { z } from 'zod';
import { baseEnvironment, commaList, ConfigError, loadConfig, secret } from '../src/config';

const schema = baseEnvironment.extend({
  PORT: z.coerce.number().default(4000),
  JWT_SIGNING_KEY: secret(),
  KAFKA_BROKERS: commaList(),
});

const load = (env: NodeJS.ProcessEnv) => loadConfig(schema, env);

describe('loadConfig', () => {
  it('parses a valid environment, applying defaults and transforms', () => {
    const config = load({ JWT_SIGNING_KEY: 'k'.repeat(32), KAFKA_BROKERS: 'a:9092, b:9092' });
    expect(config).toMatchObject({
      PORT: 4000,
      NODE_ENV: 'development',
      KAFKA_BROKERS: ['a:9092', 'b:9092'],
    });
  });

  it('names every missing or invalid variable in one error', () => {
    let error: unknown;
    try {
      load({ NODE_ENV: 'staging', KAFKA_BROKERS: ' , ' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('JWT_SIGNING_KEY is required');
    expect(problems).toContain('NODE_ENV');
    expect(problems).toContain('KAFKA_BROKERS must list at least one value');
  });

  it('gives secrets no default in any environment, production included', () => {
    for (const NODE_ENV of ['development', 'test', 'production']) {
      expect(() => load({ NODE_ENV, KAFKA_BROKERS: 'a:9092' })).toThrow(/JWT_SIGNING_KEY is required/);
    }
  });

  it('refuses short and placeholder secrets without echoing them', () => {
    expect(() => load({ JWT_SIGNING_KEY: 'short', KAFKA_BROKERS: 'a:9092' })).toThrow(/at least 16/);
    try {
      load({ JWT_SIGNING_KEY: 'changeme', KAFKA_BROKERS: 'a:9092' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as Error).message).not.toContain('changeme');
    }
  });
});
