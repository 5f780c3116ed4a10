import { Supergraph } from '@apollo/federation-internals';
import { parse, print, validate } from 'graphql';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBindings, type EventBinding } from '../src/subscriptions/bindings';
import { rewriteSubscription, RewriteError } from '../src/subscriptions/rewrite';

const SUPERGRAPH = readFileSync(join(__dirname, '../../schema/supergraph.graphql'), 'utf8');
const apiSchema = Supergraph.build(SUPERGRAPH).apiSchema().toGraphQLJSSchema();
const bindings = readBindings(SUPERGRAPH);
const binding = (field: string) => bindings.get(field) as EventBinding;

const rewrite = (query: string, variables: Record<string, unknown> = {}, field = 'listingUpdated') => {
  const document = parse(query);
  expect(validate(apiSchema, document)).toEqual([]);
  const name = document.definitions.length > 1 ? 'S' : undefined;
  return rewriteSubscription(document, name, variables, binding(field), apiSchema);
};
const normal = (query: string) => print(parse(query));

describe('rewriting a subscription into the query of its entity', () => {
  it('queries the loader by key under the subscription field, dropping the filter arguments', () => {
    const result = rewrite(
      'subscription S($id: ID!) { listingUpdated(id: $id) { title owner { displayName } } }',
      { id: 'abc' },
    );
    expect(result.text).toBe(
      normal('query S($__key: ID!) { listingUpdated: listing(id: $__key) { title owner { displayName } } }'),
    );
    expect(result).toMatchObject({
      operationName: 'S',
      variables: {},
      keyVariable: '__key',
      responseKey: 'listingUpdated',
    });
    expect(validate(apiSchema, parse(result.text))).toEqual([]);
  });

  it('keeps an alias, directives, fragments and the variables still used', () => {
    const result = rewrite(
      `subscription S($id: ID!, $withOwner: Boolean!, $n: Int) {
         changed: listingUpdated(id: $id) { ...Card owner @include(if: $withOwner) { listings(first: $n) { id } } }
       }
       fragment Card on Listing { id title }
       query Other { listings { ...Other } }
       fragment Other on Listing { city }`,
      { id: 'abc', withOwner: true, n: 3, stray: 1 },
    );
    expect(result.text).toBe(
      normal(`query S($withOwner: Boolean!, $n: Int, $__key: ID!) {
         changed: listing(id: $__key) { ...Card owner @include(if: $withOwner) { listings(first: $n) { id } } }
       }
       fragment Card on Listing { id title }`),
    );
    expect(result.variables).toEqual({ withOwner: true, n: 3 });
    expect(result.responseKey).toBe('changed');
    expect(validate(apiSchema, parse(result.text))).toEqual([]);
  });

  it('takes a key variable name the subscriber does not use', () => {
    const result = rewrite('subscription ($__key: ID!) { listingUpdated(id: $__key) { id } }', {
      __key: 'abc',
    });
    expect(result.text).toBe(normal('query ($___key: ID!) { listingUpdated: listing(id: $___key) { id } }'));
    expect(result.keyVariable).toBe('___key');
  });

  it('rewrites a field without arguments', () => {
    const result = rewrite('subscription { myListingsActivity { id status } }', {}, 'myListingsActivity');
    expect(result.text).toBe(
      normal('query ($__key: ID!) { myListingsActivity: listing(id: $__key) { id status } }'),
    );
  });

  it('refuses what it cannot serve', () => {
    expect(() => rewrite('subscription { ... on Subscription { listingUpdated(id: "a") { id } } }')).toThrow(
      RewriteError,
    );
    expect(() =>
      rewriteSubscription(
        parse('query { listings { id } }'),
        undefined,
        {},
        binding('listingUpdated'),
        apiSchema,
      ),
    ).toThrow(RewriteError);
    expect(() =>
      rewriteSubscription(
        parse('subscription { listingUpdated(id: "a") { id } }'),
        undefined,
        {},
        { ...binding('listingUpdated'), resolveWith: 'nothing' },
        apiSchema,
      ),
    ).toThrow(/Query.nothing\(id\)/);
  });
});
