import { buildSchema, parse, type OperationDefinitionNode } from 'graphql';
import {
  checkLexicalLimits,
  checkOperationLimits,
  lexicalMeasures,
  measureOperation,
  type OperationLimits,
} from '../src/operationLimits';

const schema = buildSchema(`
  type Query { listing(id: ID!): Listing, listings(first: Int! = 20): [Listing!]!, agents: [Agent!]! }
  type Listing { id: ID!, title: String!, agent: Agent, similar(limit: Int): [Listing!]! }
  type Agent { id: ID!, listings: [Listing!]! }
`);

const limits: OperationLimits = { depth: 12, aliases: 30, cost: 5000, tokens: 2000, directives: 20 };

const measure = (query: string, variables?: Record<string, unknown>, costLimit = 1_000_000) => {
  const document = parse(query);
  const operation = document.definitions[0] as OperationDefinitionNode;
  return measureOperation(schema, document, operation, variables, costLimit);
};

describe('measureOperation', () => {
  it('counts one per field, times the size of each list above it', () => {
    // listings 1 + 10 × (id 1 + similar 1 + 3 × title 1) = 51
    expect(measure('{ listings(first: 10) { id similar(limit: 3) { title } } }').cost).toBe(51);
  });

  it('takes list sizes from variables, then the schema default, then 20', () => {
    const query = 'query($n: Int!) { listings(first: $n) { id } }';
    expect(measure(query, { n: 100 }).cost).toBe(101);
    expect(measure('{ listings { id } }').cost).toBe(21);
    expect(measure('{ agents { id } }').cost).toBe(21);
  });

  it('measures depth through fragments and inline fragments', () => {
    const query = `
      query { listing(id: "1") { ...L } }
      fragment L on Listing { agent { ... on Agent { listings { id } } } }`;
    expect(measure(query).depth).toBe(4);
  });

  it('counts aliases as executed, fragments expanded', () => {
    const query = `
      query { a: listing(id: "1") { ...T } b: listing(id: "2") { ...T } }
      fragment T on Listing { x: title y: title }`;
    expect(measure(query).aliases).toBe(6);
  });

  it('leaves introspection out, so development tools keep working', () => {
    const query =
      '{ __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }';
    expect(measure(query)).toEqual({ depth: 0, aliases: 0, cost: 0 });
  });

  it('stops early on an exponential fragment bomb and reports it over the cost limit', () => {
    const fragments = Array.from({ length: 40 }, (_, level) =>
      level === 39
        ? `fragment F${level} on Listing { id }`
        : `fragment F${level} on Listing { ...F${level + 1} similar(limit: 1) { ...F${level + 1} } }`,
    ).join('\n');
    const measures = measure(`{ listing(id: "1") { ...F0 } } ${fragments}`, undefined, limits.cost);
    expect(measures.cost).toBeGreaterThan(limits.cost);
  });
});

describe('checkOperationLimits', () => {
  it('names the limit and the measured value', () => {
    const error = checkOperationLimits({ depth: 13, aliases: 0, cost: 1 }, limits);
    expect(error?.code).toBe('BAD_USER_INPUT');
    expect(error?.details).toEqual({ limit: 12, actual: 13 });
  });

  it('passes an operation within every limit', () => {
    expect(checkOperationLimits({ depth: 12, aliases: 30, cost: 5000 }, limits)).toBeUndefined();
  });
});

describe('lexical limits', () => {
  it('counts tokens and directive uses without parsing', () => {
    expect(lexicalMeasures('{ a @skip(if: true) b }')).toEqual({ tokens: 11, directives: 1 });
  });

  it('refuses too many tokens and too many directives', () => {
    expect(checkLexicalLimits(`{ ${'a '.repeat(2001)}}`, limits)?.details).toEqual({
      limit: 2000,
      actual: 2003,
    });
    expect(checkLexicalLimits(`{ a ${'@x '.repeat(21)}}`, limits)?.details).toEqual({
      limit: 20,
      actual: 21,
    });
  });

  it('leaves text that does not lex to the parser', () => {
    expect(checkLexicalLimits('{ "unterminated', limits)).toBeUndefined();
  });
});
