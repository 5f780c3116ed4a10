import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const environmentSettings = z.object({
  replicationFactor: z.number().int().positive(),
  minInsyncReplicas: z.number().int().positive(),
});

const topicSettings = z.object({
  description: z.string().min(1),
  partitions: z.number().int().positive(),
  retentionMs: z.number().int().positive(),
  cleanupPolicy: z.enum(['delete', 'compact']).default('delete'),
});

const consumerGroupSettings = z.object({
  description: z.string().min(1),
  consumes: z.array(z.string()).min(1),
  retryDelaysMs: z.array(z.number().int().positive()).min(1),
  retryPartitions: z.number().int().positive().default(3),
  deadLetterRetentionMs: z
    .number()
    .int()
    .positive()
    .default(30 * 24 * 3_600_000),
});

export const topicCatalogSchema = z
  .object({
    environments: z.record(z.string(), environmentSettings),
    topics: z.record(z.string().regex(/^[a-z][a-z0-9-]*\.events\.v\d+$/), topicSettings),
    consumerGroups: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), consumerGroupSettings).default({}),
  })
  .superRefine((catalog, context) => {
    for (const [group, settings] of Object.entries(catalog.consumerGroups)) {
      for (const topic of settings.consumes) {
        if (!(topic in catalog.topics)) {
          context.addIssue({
            code: 'custom',
            path: ['consumerGroups', group, 'consumes'],
            message: `unknown topic ${topic}`,
          });
        }
      }
    }
  });

export type TopicCatalog = z.infer<typeof topicCatalogSchema>;
export type ConsumerGroupSettings = z.infer<typeof consumerGroupSettings>;

export async function loadTopicCatalog(path: string): Promise<TopicCatalog> {
  const result = topicCatalogSchema.safeParse(parseYaml(await readFile(path, 'utf8')));
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid topic catalog ${path}:\n  ${problems.join('\n  ')}`);
  }
  return result.data;
}

/** The retry topics and the dead-letter topic a consumer group owns. */
export const retryTopic = (group: string, attempt: number) => `${group}.retry.${attempt}`;
export const deadLetterTopic = (group: string) => `${group}.dlq`;

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

/** Every topic the catalog implies in one environment: event topics, then each group's retry and DLQ topics. */
export function plannedTopics(catalog: TopicCatalog, environment: string): TopicSpec[] {
  const settings = catalog.environments[environment];
  if (!settings) throw new Error(`the topic catalog has no environment "${environment}"`);
  const base = (retentionMs: number, cleanupPolicy = 'delete') => ({
    'retention.ms': String(retentionMs),
    'cleanup.policy': cleanupPolicy,
    'min.insync.replicas': String(settings.minInsyncReplicas),
  });
  const specs: TopicSpec[] = Object.entries(catalog.topics).map(([name, topic]) => ({
    name,
    partitions: topic.partitions,
    replicationFactor: settings.replicationFactor,
    configs: base(topic.retentionMs, topic.cleanupPolicy),
  }));
  for (const [group, consumer] of Object.entries(catalog.consumerGroups)) {
    consumer.retryDelaysMs.forEach((delay, index) =>
      specs.push({
        name: retryTopic(group, index + 1),
        partitions: consumer.retryPartitions,
        replicationFactor: settings.replicationFactor,
        // A retry record must outlive its delay by far, even through an outage.
        configs: base(Math.max(7 * 24 * 3_600_000, delay * 10)),
      }),
    );
    specs.push({
      name: deadLetterTopic(group),
      partitions: 1,
      replicationFactor: settings.replicationFactor,
      configs: base(consumer.deadLetterRetentionMs),
    });
  }
  return specs;
}

export interface ProvisionReport {
  created: string[];
  partitionsIncreased: string[];
  configsUpdated: string[];
  unchanged: string[];
}

/**
 * Creates missing topics and brings existing ones to the catalog (more partitions, configs). Safe to
 * run any number of times. Refuses to shrink partitions, which Kafka can't do.
 */
export async function provisionTopics(
  admin: Admin,
  specs: TopicSpec[],
  logger: Logger,
): Promise<ProvisionReport> {
  const report: ProvisionReport = { created: [], partitionsIncreased: [], configsUpdated: [], unchanged: [] };
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !existing.has(spec.name));
  if (missing.length) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((spec) => ({
        topic: spec.name,
        numPartitions: spec.partitions,
        replicationFactor: spec.replicationFactor,
        configEntries: Object.entries(spec.configs).map(([name, value]) => ({ name, value })),
      })),
    });
    report.created.push(...missing.map((spec) => spec.name));
  }
  const present = specs.filter((spec) => existing.has(spec.name));
  if (present.length) await reconcile(admin, present, report);
  logger.info(report, 'topics provisioned');
  return report;
}

async function reconcile(admin: Admin, present: TopicSpec[], report: ProvisionReport): Promise<void> {
  const metadata = await admin.fetchTopicMetadata({ topics: present.map((spec) => spec.name) });
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((spec) => ({
      type: ConfigResourceTypes.TOPIC,
      name: spec.name,
      configNames: Object.keys(spec.configs),
    })),
  });
  for (const spec of present) {
    let changed = false;
    const partitions = metadata.topics.find((topic) => topic.name === spec.name)?.partitions.length ?? 0;
    if (partitions > spec.partitions) {
      throw new Error(
        `topic ${spec.name} has ${partitions} partitions, more than the ${spec.partitions} in the catalog`,
      );
    }
    if (partitions < spec.partitions) {
      await admin.createPartitions({ topicPartitions: [{ topic: spec.name, count: spec.partitions }] });
      report.partitionsIncreased.push(spec.name);
      changed = true;
    }
    const current =
      configs.resources.find((resource) => resource.resourceName === spec.name)?.configEntries ?? [];
    const drift = Object.entries(spec.configs).filter(
      ([name, value]) => current.find((entry) => entry.configName === name)?.configValue !== value,
    );
    if (drift.length) {
      // alterConfigs replaces the topic's whole dynamic config set: send every catalog value.
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: spec.name,
            configEntries: Object.entries(spec.configs).map(([name, value]) => ({ name, value })),
          },
        ],
      });
      report.configsUpdated.push(spec.name);
      changed = true;
    }
    if (!changed) report.unchanged.push(spec.name);
  }
}
