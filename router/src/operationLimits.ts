import { AppError } from '@homegraph/platform';
import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  Lexer,
  Source,
  TokenKind,
  type ArgumentNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

export interface OperationLimits {
  depth: number;
  aliases: number;
  cost: number;
  tokens: number;
  directives: number;
}

/** What a list field is assumed to return when its size argument doesn't say. */
export const DEFAULT_LIST_SIZE = 20;
const SIZE_ARGUMENTS = ['first', 'last', 'limit'];
/** Introspection is refused in production by Apollo; in development its deep type queries must work. */
const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

const exceeded = (measure: string, limit: number, actual: number): AppError =>
  new AppError('BAD_USER_INPUT', `The operation's ${measure} is ${actual}, over the limit of ${limit}.`, {
    limit,
    actual,
  });

/**
 * Counted on the raw text, before anything is parsed: tokens (what parsing costs) and `@` signs (every
 * directive use, including the unknown ones a directive-overloading attack sends). A text that doesn't
 * lex is left to the parser to report.
 */
export function lexicalMeasures(query: string): { tokens: number; directives: number } | undefined {
  const lexer = new Lexer(new Source(query));
  let tokens = 0;
  let directives = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      tokens++;
      if (token.kind === TokenKind.AT) directives++;
    }
  } catch {
    return undefined;
  }
  return { tokens, directives };
}

export function checkLexicalLimits(query: string, limits: OperationLimits): AppError | undefined {
  const measures = lexicalMeasures(query);
  if (!measures) return undefined;
  if (measures.tokens > limits.tokens) return exceeded('token count', limits.tokens, measures.tokens);
  if (measures.directives > limits.directives)
    return exceeded('directive count', limits.directives, measures.directives);
  return undefined;
}

export interface OperationMeasures {
  depth: number;
  aliases: number;
  /** When the walk stopped early because the cost limit was passed, a lower bound. */
  cost: number;
}

/**
 * Depth, aliases and cost of one operation with its fragments expanded, as it would execute. Cost is one
 * per field, times the size of every list above it: a list field's `first`/`last`/`limit` argument,
 * else its schema default, else DEFAULT_LIST_SIZE. The walk stops once `costLimit` is passed (and once
 * it has visited that many selections, for fragments that spread each other without fields), so an
 * exponential fragment bomb costs no more to measure than a legal operation.
 */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  costLimit: number,
): OperationMeasures {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const variableDefaults = new Map<string, ValueNode>();
  for (const definition of operation.variableDefinitions ?? [])
    if (definition.defaultValue)
      variableDefaults.set(definition.variable.name.value, definition.defaultValue);

  const measures: OperationMeasures = { depth: 0, aliases: 0, cost: 0 };
  let visited = 0;
  const budgetSpent = () => measures.cost > costLimit || visited > costLimit;

  const numberOf = (value: ValueNode | undefined): number | undefined => {
    if (!value) return undefined;
    if (value.kind === Kind.INT) return Number.parseInt(value.value, 10);
    if (value.kind === Kind.VARIABLE) {
      const supplied = variables?.[value.name.value];
      if (typeof supplied === 'number') return supplied;
      return numberOf(variableDefaults.get(value.name.value));
    }
    return undefined;
  };

  const listSize = (field: GraphQLField<unknown, unknown>, args: readonly ArgumentNode[]): number => {
    for (const name of SIZE_ARGUMENTS) {
      const given = numberOf(args.find((arg) => arg.name.value === name)?.value);
      if (given !== undefined) return Math.max(1, Math.floor(given));
      const schemaDefault = field.args.find((arg) => arg.name === name)?.defaultValue;
      if (typeof schemaDefault === 'number') return Math.max(1, Math.floor(schemaDefault));
    }
    return DEFAULT_LIST_SIZE;
  };

  const walk = (
    selectionSet: SelectionSetNode,
    parentType: GraphQLCompositeType | undefined,
    depth: number,
    multiplier: number,
  ): void => {
    for (const selection of selectionSet.selections) {
      if (budgetSpent()) return;
      visited++;
      if (selection.kind === Kind.FIELD) {
        if (depth === 1 && INTROSPECTION_ROOTS.has(selection.name.value)) continue;
        if (selection.alias) measures.aliases++;
        measures.depth = Math.max(measures.depth, depth);
        measures.cost += multiplier;
        if (!selection.selectionSet) continue;
        const field =
          parentType && (isObjectType(parentType) || isInterfaceType(parentType))
            ? parentType.getFields()[selection.name.value]
            : undefined;
        const size =
          field && isListType(getNullableType(field.type)) ? listSize(field, selection.arguments ?? []) : 1;
        const named = field ? getNamedType(field.type) : undefined;
        walk(
          selection.selectionSet,
          isCompositeType(named) ? named : undefined,
          depth + 1,
          multiplier * size,
        );
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typeName = selection.typeCondition?.name.value;
        const type = typeName ? schema.getType(typeName) : parentType;
        walk(selection.selectionSet, isCompositeType(type) ? type : undefined, depth, multiplier);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment) continue;
        const type = schema.getType(fragment.typeCondition.name.value);
        walk(fragment.selectionSet, isCompositeType(type) ? type : undefined, depth, multiplier);
      }
    }
  };

  const rootType =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  walk(operation.selectionSet, rootType ?? undefined, 1, 1);
  if (visited > costLimit) measures.cost = Math.max(measures.cost, costLimit + 1);
  return measures;
}

export function checkOperationLimits(
  measures: OperationMeasures,
  limits: OperationLimits,
): AppError | undefined {
  if (measures.depth > limits.depth) return exceeded('depth', limits.depth, measures.depth);
  if (measures.aliases > limits.aliases) return exceeded('alias count', limits.aliases, measures.aliases);
  if (measures.cost > limits.cost) return exceeded('cost', limits.cost, measures.cost);
  return undefined;
}
