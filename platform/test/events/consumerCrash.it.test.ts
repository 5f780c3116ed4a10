import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { OutboxWriter } from '../../src/events/outbox';
import {
  createEventDatabase,
  provisionTestTopics,
  requireEnv,
  testContracts,
  testKafka,
  uniqueName,
  waitFor,
  type EventDatabase,
} from './harness';

const REGISTER = join(__dirname, '../../../test/support/register-ts.js');
const FIXTURE = join(__dirname, 'fixtures/consumerProcess.ts');
const EVENTS = 1_000;

describe('a consumer killed with SIGKILL mid-batch', () => {
  let database: EventDatabase;

  beforeAll(async () => {
    database = await createEventDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  const startConsumer = (topic: string, group: string): ChildProcess =>
    spawn(process.execPath, ['--require', REGISTER, FIXTURE], {
      env: {
        ...process.env,
        TOPIC: topic,
        GROUP: group,
        DATABASE_URL: database.url,
        KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });

  const effects = async () =>
    (
      await database.pool.query(
        'SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct FROM effects',
      )
    ).rows[0] as {
      total: number;
      distinct: number;
    };

  it('loses nothing and applies nothing twice after a restart', async () => {
    const kafka = testKafka();
    const topic = `${uniqueName('crash')}.events.v1`;
    const group = uniqueName('crash');
    await provisionTestTopics(kafka, topic, group, [200]);
    const writer = new OutboxWriter(testContracts(topic).catalog, 'tests');
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const messages = Array.from({ length: EVENTS }, (_, sequence) => {
      const { envelope } = writer.toEnvelope({
        type: 'test.item_changed',
        aggregate: { id: `item-${sequence % 16}`, version: sequence },
        actor: { type: 'system', id: 'test' },
        payload: { sequence },
      });
      return { key: envelope.aggregate.id, value: JSON.stringify(envelope) };
    });
    await producer.send({ topic, acks: -1, messages });
    await producer.disconnect();

    const first = startConsumer(topic, group);
    await waitFor('a part of the events handled', async () => (await effects()).total >= EVENTS / 5);
    const killed = new Promise((resolve) => first.once('exit', (_code, signal) => resolve(signal)));
    first.kill('SIGKILL');
    expect(await killed).toBe('SIGKILL');
    const atKill = (await effects()).total;
    expect(atKill).toBeLessThan(EVENTS);

    const second = startConsumer(topic, group);
    try {
      await waitFor('every event handled', async () => (await effects()).distinct === EVENTS, 120_000);
      const { rows } = await database.pool.query(
        'SELECT count(*)::int AS n FROM processed_events WHERE consumer_group = $1',
        [group],
      );
      expect(rows[0].n).toBe(EVENTS);
      expect(await effects()).toEqual({ total: EVENTS, distinct: EVENTS });
    } finally {
      second.kill('SIGTERM');
      await new Promise((resolve) => second.once('exit', resolve));
    }
  });
});
