import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Client as OpenSearch } from '@opensearch-project/opensearch';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { Client as Postgres } from 'pg';

/** Each local server answers real requests from the client library the platform uses with it. */
const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: integration tests run under test/support/globalSetup.ts`);
  return value;
};
const unique = () => randomUUID().slice(0, 8);

describe('local servers', () => {
  it('PostgreSQL answers SQL and has PostGIS in the listings database', async () => {
    const client = new Postgres({ connectionString: `${env('POSTGRES_URL')}/homegraph_listings` });
    await client.connect();
    try {
      const { rows } = await client.query(
        'SELECT ST_Distance(ST_MakePoint(-3.7038, 40.4168)::geography, ST_MakePoint(2.1734, 41.3851)::geography) AS metres',
      );
      // Madrid to Barcelona on the WGS 84 spheroid: about 505 km.
      expect(rows[0].metres / 1000).toBeGreaterThan(500);
      expect(rows[0].metres / 1000).toBeLessThan(510);
    } finally {
      await client.end();
    }
  });

  it('Redis stores and returns a value', async () => {
    const redis = new Redis(env('REDIS_URL'));
    const key = `smoke:${unique()}`;
    try {
      await redis.set(key, 'ok', 'EX', 60);
      expect(await redis.get(key)).toBe('ok');
    } finally {
      await redis.del(key);
      redis.disconnect();
    }
  });

  it('Kafka refuses to auto-create topics and round-trips a record on a created one', async () => {
    const kafka = new Kafka({
      brokers: env('KAFKA_BROKERS').split(','),
      clientId: 'smoke',
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true });
    const topic = `smoke.${unique()}`;
    await admin.connect();
    await producer.connect();
    try {
      await expect(
        producer.send({ topic: `missing.${unique()}`, messages: [{ value: 'x' }] }),
      ).rejects.toThrow();
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'hello' }] });
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets[0]?.high).toBe('1');
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  it('OpenSearch indexes a document with a geo point and finds it by distance', async () => {
    const client = new OpenSearch({ node: env('OPENSEARCH_URL') });
    const index = `smoke-${unique()}`;
    try {
      await client.indices.create({
        index,
        body: { mappings: { properties: { location: { type: 'geo_point' } } } },
      });
      await client.index({
        index,
        id: '1',
        refresh: true,
        body: { location: { lat: 40.4168, lon: -3.7038 } },
      });
      const result = await client.search({
        index,
        body: { query: { geo_distance: { distance: '10km', location: { lat: 40.42, lon: -3.7 } } } },
      });
      expect(result.body.hits.hits.map((hit) => hit._id)).toEqual(['1']);
    } finally {
      await client.indices.delete({ index }).catch(() => undefined);
      await client.close();
    }
  });

  it('FerretDB speaks the MongoDB wire protocol and enforces unique indexes', async () => {
    const client = new MongoClient(env('MONGODB_URL'));
    await client.connect();
    const db = client.db(`smoke_${unique()}`);
    try {
      const collection = db.collection<{ key: string }>('things');
      await collection.createIndex({ key: 1 }, { unique: true });
      await collection.insertOne({ key: 'a' });
      await expect(collection.insertOne({ key: 'a' })).rejects.toMatchObject({ code: 11000 });
      expect(await collection.countDocuments({ key: 'a' })).toBe(1);
    } finally {
      await db.dropDatabase();
      await client.close();
    }
  });

  it('the S3 server stores objects and refuses a tampered presigned URL', async () => {
    const s3 = new S3Client({
      endpoint: env('S3_ENDPOINT'),
      region: env('S3_REGION'),
      forcePathStyle: true,
      credentials: { accessKeyId: env('S3_ACCESS_KEY_ID'), secretAccessKey: env('S3_SECRET_ACCESS_KEY') },
    });
    const bucket = `smoke-${unique()}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: 'a.txt' }), {
      expiresIn: 60,
    });
    expect((await fetch(url.replace('a.txt', 'b.txt'), { method: 'PUT', body: 'evil' })).status).toBe(403);
    expect((await fetch(url, { method: 'PUT', body: 'hello' })).status).toBe(200);
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'a.txt' }));
    expect(await object.Body?.transformToString()).toBe('hello');
    s3.destroy();
  });

  it('the SMTP sink accepts a mail and shows it through its API', async () => {
    const subject = `smoke ${unique()}`;
    const transport = createTransport({ url: env('SMTP_URL') });
    await transport.sendMail({
      from: 'noreply@homegraph.test',
      to: 'agent@homegraph.test',
      subject,
      text: 'hi',
    });
    transport.close();
    const search = await fetch(
      `${env('SMTP_SINK_API')}/api/v1/search?query=${encodeURIComponent(`subject:"${subject}"`)}`,
    );
    const { messages } = (await search.json()) as { messages: { Subject: string }[] };
    expect(messages.map((message) => message.Subject)).toEqual([subject]);
  });
});
