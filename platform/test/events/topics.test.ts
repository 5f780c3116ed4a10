import { join } from 'node:path';
import { loadTopicCatalog, plannedTopics } from '../../src/events/topics';

const CATALOG = join(__dirname, '../../../schema/events/topics.yaml');

describe('the committed topic catalog', () => {
  it('parses and plans every environment with its replication settings', async () => {
    const catalog = await loadTopicCatalog(CATALOG);
    const production = plannedTopics(catalog, 'production');
    const local = plannedTopics(catalog, 'local');
    expect(
      production.every(
        (topic) => topic.replicationFactor === 3 && topic.configs['min.insync.replicas'] === '2',
      ),
    ).toBe(true);
    expect(local.every((topic) => topic.replicationFactor === 1)).toBe(true);
    expect(production.map((topic) => topic.name)).toEqual(
      expect.arrayContaining(['listings.events.v1', 'listings.retry.1', 'listings.dlq']),
    );
  });

  it('names each consumed topic in the catalog', async () => {
    const catalog = await loadTopicCatalog(CATALOG);
    for (const group of Object.values(catalog.consumerGroups)) {
      for (const topic of group.consumes) expect(Object.keys(catalog.topics)).toContain(topic);
    }
  });
});
