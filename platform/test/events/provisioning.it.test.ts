import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { provisionTopics, type TopicSpec } from '../../src/events/topics';
import { silentLogger, testKafka, uniqueName } from './harness';

describe('provisionTopics on a real broker', () => {
  let admin: Admin;
  const name = `${uniqueName('prov')}.events.v1`;
  const spec = (partitions: number, retentionMs: number): TopicSpec => ({
    name,
    partitions,
    replicationFactor: 1,
    configs: { 'retention.ms': String(retentionMs), 'cleanup.policy': 'delete', 'min.insync.replicas': '1' },
  });

  beforeAll(async () => {
    admin = testKafka().admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [name] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates, leaves alone, grows and reconfigures topics, and refuses to shrink them', async () => {
    expect((await provisionTopics(admin, [spec(2, 60_000)], silentLogger)).created).toEqual([name]);
    expect((await provisionTopics(admin, [spec(2, 60_000)], silentLogger)).unchanged).toEqual([name]);

    const grown = await provisionTopics(admin, [spec(4, 120_000)], silentLogger);
    expect(grown.partitionsIncreased).toEqual([name]);
    expect(grown.configsUpdated).toEqual([name]);
    const metadata = await admin.fetchTopicMetadata({ topics: [name] });
    expect(metadata.topics[0]?.partitions).toHaveLength(4);
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms'] }],
    });
    expect(configs.resources[0]?.configEntries[0]?.configValue).toBe('120000');

    await expect(provisionTopics(admin, [spec(3, 120_000)], silentLogger)).rejects.toThrow(/more than the 3/);
  });
});
