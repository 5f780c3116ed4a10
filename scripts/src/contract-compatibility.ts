/**
 * Within one version of an event, only additive changes are allowed (docs/events.md): a new optional
 * field, a new enum value. This compares the JSON Schema committed for a version (the published
 * contract) with the one generated now and lists every change that would break a consumer or a
 * producer of that version.
 */
export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  pattern?: string;
  format?: string;
  const?: unknown;
  additionalProperties?: boolean | JsonSchema;
  [keyword: string]: unknown;
};

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function breakingChanges(published: JsonSchema, current: JsonSchema, path = '(payload)'): string[] {
  const problems: string[] = [];
  if (!same(published.type, current.type)) {
    problems.push(
      `${path}: type changed from ${JSON.stringify(published.type)} to ${JSON.stringify(current.type)}`,
    );
  }
  for (const keyword of ['pattern', 'format', 'const'] as const) {
    if (!same(published[keyword], current[keyword])) problems.push(`${path}: ${keyword} changed`);
  }
  if (published.enum) {
    const removed = published.enum.filter((value) => !current.enum?.some((next) => same(next, value)));
    if (removed.length || !current.enum)
      problems.push(`${path}: enum values removed: ${JSON.stringify(removed)}`);
  } else if (current.enum) {
    problems.push(`${path}: now restricted to an enum`);
  }
  if (published.anyOf || current.anyOf) {
    const before = published.anyOf ?? [published];
    const after = current.anyOf ?? [current];
    if (before.length !== after.length) problems.push(`${path}: alternatives changed (anyOf)`);
    else
      before.forEach((option, index) =>
        problems.push(...breakingChanges(option, after[index] as JsonSchema, `${path}|${index}`)),
      );
  }
  const publishedProperties = published.properties ?? {};
  const currentProperties = current.properties ?? {};
  for (const [name, schema] of Object.entries(publishedProperties)) {
    const next = currentProperties[name];
    if (!next) problems.push(`${path}.${name}: removed`);
    else problems.push(...breakingChanges(schema, next, `${path}.${name}`));
  }
  const wasRequired = new Set(published.required ?? []);
  for (const name of current.required ?? []) {
    if (!wasRequired.has(name)) {
      problems.push(
        `${path}.${name}: ${name in publishedProperties ? 'became required' : 'added as required'}`,
      );
    }
  }
  for (const name of wasRequired) {
    if (!(current.required ?? []).includes(name) && name in currentProperties) {
      problems.push(`${path}.${name}: no longer required (consumers rely on it)`);
    }
  }
  if (published.items && current.items)
    problems.push(...breakingChanges(published.items, current.items, `${path}[]`));
  return problems;
}
