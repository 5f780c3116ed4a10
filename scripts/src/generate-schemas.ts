/**
 * Prints every subgraph's SDL from its code and composes the supergraph from them, as listed in
 * supergraph.yaml, and writes the JSON Schema of the event envelope and of every event contract
 * (schema/src) into schema/events/. With --check, writes nothing and exits 1 when a committed file
 * is stale.
 *
 * Each subgraph package builds its schema with `dist/schema/index.js`'s single exported builder.
 */
import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { envelopeSchema, loadTopicCatalog, type EventContract } from '@homegraph/platform';
import { ALL_CONTRACTS } from '@homegraph/schema';
import { parse as parseYaml } from 'yaml';
import { breakingChanges, type JsonSchema } from './contract-compatibility';
import { z } from 'zod';

const ROOT = resolve(__dirname, '../..');
const SUPERGRAPH_FILE = join(ROOT, 'schema/supergraph.graphql');
const GENERATED = (source: string) =>
  `# GENERATED FILE: do not edit. Made by \`npm run schema:generate\` from ${source}.\n`;

interface SupergraphConfig {
  federation_version: string;
  subgraphs: Record<string, { routing_url: string; schema: { file: string } }>;
}

async function buildSubgraph(schemaFile: string): Promise<GraphQLSchema> {
  const packageDir = dirname(resolve(ROOT, schemaFile));
  const module = (await import(join(packageDir, 'dist/schema/index.js'))) as Record<string, unknown>;
  const builders = Object.values(module).filter(
    (value): value is () => Promise<GraphQLSchema> => typeof value === 'function',
  );
  if (builders.length !== 1 || !builders[0])
    throw new Error(`${packageDir}/src/schema/index.ts must export exactly one schema builder`);
  return builders[0]();
}

const EVENTS_DIR = join(ROOT, 'schema/events');
const GENERATED_NOTE = 'GENERATED FILE: do not edit. Made by `npm run schema:generate` from schema/src.';

function jsonFile(schema: object): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** Every contract must travel on a catalogued topic. */
async function eventSchemaFiles(): Promise<Map<string, string>> {
  const catalog = await loadTopicCatalog(join(EVENTS_DIR, 'topics.yaml'));
  const files = new Map<string, string>();
  files.set(
    join(EVENTS_DIR, 'envelope.schema.json'),
    jsonFile({ $comment: GENERATED_NOTE, title: 'Event envelope', ...z.toJSONSchema(envelopeSchema) }),
  );
  for (const contract of ALL_CONTRACTS as readonly EventContract[]) {
    if (!(contract.topic in catalog.topics)) {
      throw new Error(
        `event ${contract.type} v${contract.version} uses topic ${contract.topic}, missing from topics.yaml`,
      );
    }
    files.set(
      join(EVENTS_DIR, `${contract.type}.v${contract.version}.schema.json`),
      jsonFile({
        $comment: GENERATED_NOTE,
        title: `${contract.type} v${contract.version} payload`,
        description: contract.description,
        'x-topic': contract.topic,
        'x-aggregate-type': contract.aggregateType,
        ...z.toJSONSchema(contract.payload),
      }),
    );
  }
  return files;
}

async function readIfExists(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const config = parseYaml(await readFile(join(ROOT, 'supergraph.yaml'), 'utf8')) as SupergraphConfig;
  const outputs = new Map<string, string>();
  const services = [];
  for (const [name, { routing_url, schema }] of Object.entries(config.subgraphs)) {
    const sdl = printSubgraphSchema(await buildSubgraph(schema.file));
    outputs.set(resolve(ROOT, schema.file), `${GENERATED(`subgraphs/${name}/src/schema`)}${sdl}\n`);
    services.push({ name, url: routing_url, typeDefs: parse(sdl) });
  }
  const composition = composeServices(services);
  if (composition.errors) {
    for (const error of composition.errors) process.stderr.write(`composition error: ${error.message}\n`);
    process.exit(1);
  }
  outputs.set(SUPERGRAPH_FILE, `${GENERATED('supergraph.yaml')}${composition.supergraphSdl}\n`);
  for (const [path, content] of await eventSchemaFiles()) outputs.set(path, content);

  // A committed event schema is a published contract: a new version may be added, this one may only grow.
  const breaking: string[] = [];
  for (const [path, content] of outputs) {
    if (!path.startsWith(EVENTS_DIR) || !path.endsWith('.schema.json')) continue;
    const committed = await readIfExists(path);
    if (committed === undefined) continue;
    const problems = breakingChanges(JSON.parse(committed) as JsonSchema, JSON.parse(content) as JsonSchema);
    breaking.push(...problems.map((problem) => `${path.slice(ROOT.length + 1)}: ${problem}`));
  }
  if (breaking.length) {
    process.stderr.write(
      `breaking changes to published event contracts (add a new version of the event instead):\n  ${breaking.join('\n  ')}\n`,
    );
    process.exit(1);
  }

  const stale: string[] = [];
  for (const [path, content] of outputs) {
    if ((await readIfExists(path)) === content) continue;
    stale.push(path.slice(ROOT.length + 1));
    if (!check) await writeFile(path, content);
  }
  if (check && stale.length) {
    process.stderr.write(
      `stale generated schema files (run \`npm run schema:generate\`): ${stale.join(', ')}\n`,
    );
    process.exit(1);
  }
  process.stdout.write(stale.length ? `wrote ${stale.join(', ')}\n` : 'schemas up to date\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
