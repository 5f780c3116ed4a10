import { Kind, parse } from 'graphql';

/**
 * Whether a GraphQL document can only ever run a query: every operation in it is a query, whatever
 * `operationName` picks, and nothing else than fragments is beside them. Anything that does not parse
 * is not.
 */
export function isQueryOnlyDocument(query: string): boolean {
  let document;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    return false;
  }
  let operations = 0;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) continue;
    if (definition.kind !== Kind.OPERATION_DEFINITION || definition.operation !== 'query') return false;
    operations++;
  }
  return operations > 0;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Decides from a subgraph request body (`{"query": …, "variables": …}`) whether it is a query, and so
 * may share its answer with identical requests. A body without its query text (a persisted query by
 * hash), not JSON, or a mutation or subscription is not. The gateway sends the same few operation texts
 * again and again, so verdicts are kept by text, at most `maxEntries` of them.
 */
export function createQueryClassifier(maxEntries = 1_000) {
  const verdicts = new Map<string, boolean>();
  return (body: string | Buffer | undefined): boolean => {
    if (typeof body !== 'string') return false;
    let request: unknown;
    try {
      request = JSON.parse(body);
    } catch {
      return false;
    }
    if (!isRecord(request) || typeof request['query'] !== 'string') return false;
    const query = request['query'];
    let verdict = verdicts.get(query);
    if (verdict === undefined) {
      verdict = isQueryOnlyDocument(query);
      if (verdicts.size >= maxEntries) {
        const oldest = verdicts.keys().next().value;
        if (oldest !== undefined) verdicts.delete(oldest);
      }
      verdicts.set(query, verdict);
    }
    return verdict;
  };
}
