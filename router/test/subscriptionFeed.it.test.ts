import type { EventEnvelope } from '@homegraph/platform';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { OutboxWriter } from '../../platform/src/events/outbox';
import { eventCatalog, listingUpdated } from '../../schema/src';
import { freePort, startThrowawayServers, type ThrowawayServers } from '../../test/support/localServers';
import { eventually, runToExit } from '../../test/support/serviceProcess';
import { createEventFeed, type EventFeed } from '../src/subscriptions/feed';

/**
 * The router's event feed on a Kafka of its own, stopped and restarted under it: while the broker is
 * gone the feed reports unready, and once it is back the feed continues after the last event it read,
 * so events published before its new consumer joined are delivered too (kafkajs's own restart of a
 * group without commits would start from the latest offsets and skip them).
 */
describe('subscription event feed across a broker restart', () => {
  let servers: ThrowawayServers;
  let kafka: Kafka;
  let feed: EventFeed;
  const received: string[] = [];
  /** Events the listener refuses (throws on) for now, to crash the feed's consumer at will. */
  const refused = new Set<string>();
  const writer = new OutboxWriter(eventCatalog(), 'test');

  /** Publishes listing.updated events, all keyed by `key` when given (so all on one partition). */
  const publishAll = async (listingIds: string[], key?: string) => {
    const producer = kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    try {
      for (const listingId of listingIds) await publish(producer, listingId, key ?? listingId);
    } finally {
      await producer.disconnect();
    }
  };
  const publish = async (producer: Producer, listingId: string, aggregateId: string) => {
    for (const { topic, key, value, headers } of writer.records({
      type: listingUpdated.type,
      aggregate: { id: aggregateId, version: 1 },
      actor: { type: 'user', id: randomUUID() },
      payload: { listingId, changedFields: ['title'] },
    }))
      await producer.send({ topic, acks: -1, messages: [{ key, value, headers }] });
  };
  const ready = () =>
    feed
      .readiness()
      .check()
      .then(
        () => true,
        () => false,
      );

  beforeAll(async () => {
    servers = await startThrowawayServers(['kafka'], {
      HG_KAFKA_PORT: await freePort(),
      HG_KAFKA_CONTROLLER_PORT: await freePort(),
    });
    const brokers = servers.env['KAFKA_BROKERS'] as string;
    const provisioned = await runToExit('scripts/dist/provision-topics.js', {
      KAFKA_BROKERS: brokers,
      LOG_LEVEL: 'warn',
    });
    expect(provisioned.code).toBe(0);
    kafka = new Kafka({ brokers: brokers.split(','), clientId: 'feed-test', logLevel: logLevel.NOTHING });
    feed = createEventFeed({
      kafka,
      topics: [listingUpdated.topic],
      groupPrefix: 'feed-test',
      logger: pino({ level: 'silent' }),
      onEvent: async (_topic, envelope: EventEnvelope) => {
        const { listingId } = envelope.payload as { listingId: string };
        if (refused.has(listingId)) throw new Error('listener refuses this event for now');
        received.push(listingId);
      },
    });
    await feed.start();
  });

  afterAll(async () => {
    await feed?.stop();
    await servers?.destroy();
  });

  it('after its consumer crashes, a new one starts at the first event not yet handed over', async () => {
    await eventually('feed ready', ready);
    const key = randomUUID();
    const [crashing, ...following] = [randomUUID(), randomUUID(), randomUUID()];
    refused.add(crashing as string);
    // One key, so one partition: the following events wait behind the refused one.
    await publishAll([crashing as string, ...following], key);
    await eventually('feed unready after its consumer crashed', async () => !(await ready()));
    refused.clear();

    await eventually('the refused event and those behind it delivered', async () =>
      [crashing, ...following].every((id) => received.includes(id as string)),
    );
    await eventually('feed ready again', ready);
  });

  it('delivers what was published while its consumer was down, once the broker is back', async () => {
    await eventually('feed ready', ready);
    const before = randomUUID();
    await publishAll([before]);
    await eventually('event read before the restart', async () => received.includes(before));

    await servers.stop('kafka');
    await eventually('feed unready while the broker is gone', async () => !(await ready()));
    await servers.start('kafka');
    const during = [randomUUID(), randomUUID(), randomUUID()];
    await publishAll(during);

    await eventually('every event published before the feed rejoined', async () =>
      during.every((id) => received.includes(id)),
    );
    await eventually('feed ready again', ready);
    const after = randomUUID();
    await publishAll([after]);
    await eventually('live events flow again', async () => received.includes(after));
    expect(received.filter((id) => id === before)).toHaveLength(1);
  });
});
