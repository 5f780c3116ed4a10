import { createQueryClassifier, isQueryOnlyDocument } from '../src/operationKind';

const body = (query: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ query, ...extra });

describe('isQueryOnlyDocument', () => {
  it.each([
    '{ listings { id } }',
    'query { listings { id } }',
    'query Page($first: Int) { listings(first: $first) { ...L } } fragment L on Listing { id }',
    '# a comment\n  query  A { a } query B { b }',
    'query mutation { mutation }',
  ])('is true for queries only: %s', (query) => {
    expect(isQueryOnlyDocument(query)).toBe(true);
  });

  it.each([
    'mutation { createListing(input: {}) { id } }',
    '# query\nmutation M { a }',
    '  \n mutation{a}',
    'subscription { listingChanged { id } }',
    'query A { a } mutation B { b }',
    'mutation B { b } query A { a }',
    'fragment L on Listing { id }',
    'type Listing { id: ID }',
    '{ unterminated',
    '',
  ])('is false for anything that may not be a query: %j', (query) => {
    expect(isQueryOnlyDocument(query)).toBe(false);
  });
});

describe('createQueryClassifier', () => {
  it('classifies the gateway’s request bodies by their query text', () => {
    const isQuery = createQueryClassifier();
    expect(isQuery(body('query L__listings__0 { listings { id } }', { variables: { first: 1 } }))).toBe(true);
    expect(
      isQuery(
        body(
          'query L__users__1($representations: [_Any!]!) { _entities(representations: $representations) { id } }',
          {
            variables: { representations: [{ __typename: 'User', id: '1' }] },
            operationName: 'L__users__1',
          },
        ),
      ),
    ).toBe(true);
    expect(isQuery(body('mutation M__listings__0 { createListing(input: {}) { id } }'))).toBe(false);
    expect(isQuery(body('query A { a } mutation B { b }', { operationName: 'A' }))).toBe(false);
  });

  it('does not trust what it cannot read', () => {
    const isQuery = createQueryClassifier();
    expect(isQuery(undefined)).toBe(false);
    expect(isQuery(Buffer.from(body('{ a }')))).toBe(false);
    expect(isQuery('not json')).toBe(false);
    expect(isQuery('["{ a }"]')).toBe(false);
    expect(isQuery('null')).toBe(false);
    expect(isQuery(body(42))).toBe(false);
    expect(
      isQuery(JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'ab' } } })),
    ).toBe(false);
  });

  it('gives the same verdict from its cache, and keeps deciding past its bound', () => {
    const isQuery = createQueryClassifier(2);
    const texts = ['{ a }', 'mutation { b }', '{ c }', 'mutation { d }', '{ a }', 'mutation { b }'];
    const verdicts = texts.map((text) => isQuery(body(text)));
    expect(verdicts).toEqual([true, false, true, false, true, false]);
    expect(texts.map((text) => isQuery(body(text)))).toEqual(verdicts);
  });
});
