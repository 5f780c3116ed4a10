import {
  getOperationAST,
  Kind,
  print,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql';
import { parseType } from 'graphql/language/parser';
import type { EventBinding } from './bindings';

/** A subscription turned into the query that reads one event's entity, as its subscriber asked. */
export interface EntityQuery {
  /** The query's text: with the variables and the key, what identical subscribers share. */
  text: string;
  operationName: string | undefined;
  /** The subscriber's variables that the query still uses. */
  variables: Record<string, unknown>;
  /** The variable the event's key goes in. */
  keyVariable: string;
  /** The response key of the root field, under which results are delivered. */
  responseKey: string;
}

export class RewriteError extends Error {}

function reachableFragments(
  root: OperationDefinitionNode,
  fragments: Map<string, FragmentDefinitionNode>,
): FragmentDefinitionNode[] {
  const seen = new Map<string, FragmentDefinitionNode>();
  const pending: Array<OperationDefinitionNode | FragmentDefinitionNode> = [root];
  while (pending.length) {
    const node = pending.pop() as OperationDefinitionNode | FragmentDefinitionNode;
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        const fragment = fragments.get(name);
        if (fragment && !seen.has(name)) {
          seen.set(name, fragment);
          pending.push(fragment);
        }
      },
    });
  }
  return [...seen.values()];
}

function usedVariables(nodes: ReadonlyArray<OperationDefinitionNode | FragmentDefinitionNode>): Set<string> {
  const used = new Set<string>();
  for (const node of nodes) {
    visit(node, {
      VariableDefinition: () => false,
      Variable(variable) {
        used.add(variable.name.value);
      },
    });
  }
  return used;
}

/**
 * Rewrites a validated subscription into a query of `binding.resolveWith` by key, keeping the
 * subscriber's selection set, alias, directives, fragments and the variables they use:
 * `subscription S($id: ID!) { listingUpdated(id: $id) { title } }` becomes
 * `query S($__key: ID!) { listingUpdated: listing(id: $__key) { title } }`. The subscription's own
 * arguments only filter events, so they are dropped (and with them variables nothing else uses).
 */
export function rewriteSubscription(
  document: DocumentNode,
  operationName: string | undefined,
  variables: Readonly<Record<string, unknown>>,
  binding: EventBinding,
  apiSchema: GraphQLSchema,
): EntityQuery {
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation !== 'subscription')
    throw new RewriteError('the operation is not a subscription');
  const [root, ...others] = operation.selectionSet.selections;
  if (!root || others.length || root.kind !== Kind.FIELD)
    throw new RewriteError('select exactly one subscription field, directly (not through a fragment)');
  if (root.name.value !== binding.field)
    throw new RewriteError(`the binding is for ${binding.field}, not ${root.name.value}`);

  const loader = apiSchema.getQueryType()?.getFields()[binding.resolveWith];
  const keyArgument = loader?.args.find((arg) => arg.name === binding.keyArg);
  if (!loader || !keyArgument)
    throw new RewriteError(
      `${binding.field} resolves with Query.${binding.resolveWith}(${binding.keyArg}), which the schema lacks`,
    );
  const others_ = new Set(
    (operation.variableDefinitions ?? []).map((definition) => definition.variable.name.value),
  );
  let keyVariable = '__key';
  while (others_.has(keyVariable)) keyVariable = `_${keyVariable}`;

  const responseKey = root.alias?.value ?? root.name.value;
  const field: FieldNode = {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: responseKey },
    name: { kind: Kind.NAME, value: binding.resolveWith },
    arguments: [
      {
        kind: Kind.ARGUMENT,
        name: { kind: Kind.NAME, value: binding.keyArg },
        value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: keyVariable } },
      },
    ],
    directives: root.directives ?? [],
    ...(root.selectionSet ? { selectionSet: root.selectionSet } : {}),
  };
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);

  const draft: OperationDefinitionNode = {
    ...operation,
    operation: 'query' as OperationDefinitionNode['operation'],
    selectionSet: { kind: Kind.SELECTION_SET, selections: [field] },
  };
  const used = reachableFragments(draft, fragments);
  const usedNames = usedVariables([draft, ...used]);
  const kept = (operation.variableDefinitions ?? []).filter((definition) =>
    usedNames.has(definition.variable.name.value),
  );
  const keyDefinition: VariableDefinitionNode = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: keyVariable } },
    type: parseType(String(keyArgument.type), { noLocation: true }),
  };
  const query: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [{ ...draft, variableDefinitions: [...kept, keyDefinition] }, ...used],
  };
  const keptVariables: Record<string, unknown> = {};
  for (const definition of kept) {
    const name = definition.variable.name.value;
    if (Object.hasOwn(variables, name)) keptVariables[name] = variables[name];
  }
  return {
    text: print(query),
    operationName: operation.name?.value,
    variables: keptVariables,
    keyVariable,
    responseKey,
  };
}
