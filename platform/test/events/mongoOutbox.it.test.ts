import { MongoClient, type Db } from 'mongodb';
import { EventContractError } from '../../src/events/contracts';
import { MONGO_OUTBOX_FIELD, MongoOutboxRelay, MongoOutboxWriter } from '../../src/events/mongoOutbox';
import { createIdempotentProducer } from '../../src/kafka';
import {
  provisionTestTopics,
  readTopic,
  requireEnv,
  silentLogger,
  testContracts,
  testKafka,
  uniqueName,
  waitFor,
} from './harness';

/** The single-document outbox on a real MongoDB-wire server (FerretDB) and a real broker. */
describe('MongoDB outbox', () => {
  let client: MongoClient;
  let db: Db;

  beforeAll(async () => {
    client = new MongoClient(requireEnv('MONGODB_URL'));
    await client.connect();
    db = client.db(uniqueName('outbox').replace('-', '_'));
  });

  afterAll(async () => {
    await db?.dropDatabase();
    await client?.close();
  });

  it('publishes the events of single-document updates in order per document, once, from one active relay', async () => {
    const kafka = testKafka();
    const topic = `${uniqueName('mongo')}.events.v1`;
    await provisionTestTopics(kafka, topic, uniqueName('g'), [100]);
    const outbox = new MongoOutboxWriter(testContracts(topic).catalog, 'tests');
    const items = db.collection<{ _id: string; sequence: number }>('items');
    const ids = ['m1', 'm2', 'm3'];
    await items.insertMany(ids.map((_id) => ({ _id, sequence: -1, [MONGO_OUTBOX_FIELD]: [] })));
    const change = (id: string, sequence: number) =>
      items.updateOne(
        { _id: id },
        {
          $set: { sequence },
          ...outbox.push({
            type: 'test.item_changed',
            aggregate: { id, version: sequence },
            actor: { type: 'system', id: 't' },
            payload: { sequence },
          }),
        },
      );
    for (let sequence = 0; sequence < 20; sequence++) for (const id of ids) await change(id, sequence);

    expect(() =>
      outbox.push({
        type: 'test.item_changed',
        aggregate: { id: 'm1', version: 99 },
        actor: { type: 'system', id: 't' },
        payload: { sequence: 'x' },
      }),
    ).toThrow(EventContractError);

    const relays = await Promise.all(
      [1, 2].map(async () => {
        const producer = createIdempotentProducer(kafka);
        await producer.connect();
        const relay = new MongoOutboxRelay({
          db,
          collections: ['items'],
          producer,
          logger: silentLogger,
          name: 'items',
          pollMs: 50,
        });
        relay.start();
        return { relay, producer };
      }),
    );
    try {
      const messages = await readTopic(kafka, topic, (read) => read.length >= 60);
      await waitFor(
        'outboxes emptied',
        async () => (await items.countDocuments({ [`${MONGO_OUTBOX_FIELD}.0`]: { $exists: true } })) === 0,
      );
      expect(relays.filter(({ relay }) => relay.isActive)).toHaveLength(1);
      expect(messages).toHaveLength(60);
      for (const id of ids) {
        const sequences = messages
          .filter((message) => message.key === id)
          .map((message) => JSON.parse(message.value ?? '{}').payload.sequence);
        expect(sequences).toEqual(Array.from({ length: 20 }, (_, index) => index));
      }
      expect((await items.findOne({ _id: 'm1' }))?.sequence).toBe(19);
    } finally {
      for (const { relay, producer } of relays) {
        await relay.stop();
        await producer.disconnect();
      }
    }
  });
});
