import { buildSchema, graphql, type GraphQLSchema } from 'graphql';
import { allow, authenticated, hasRole, protectSchema } from '../src/authorization';

function schemaWithResolvers(): GraphQLSchema {
  const schema = buildSchema(`
    type Query { open: String, me: String, admin: String, unlisted: String, thing: Thing }
    type Thing { name: String, hidden: String }
  `);
  const fields = schema.getQueryType()!.getFields();
  fields['open']!.resolve = () => 'open';
  fields['me']!.resolve = () => 'me';
  fields['admin']!.resolve = () => 'admin';
  fields['unlisted']!.resolve = () => 'unlisted';
  fields['thing']!.resolve = () => ({ name: 'thing', hidden: 'hidden' });
  return schema;
}

const rules = {
  Query: { open: allow, me: authenticated, admin: hasRole('ADMIN'), thing: allow },
  Thing: { name: allow },
};

async function run(
  schema: GraphQLSchema,
  source: string,
  caller = { subject: 'anonymous', roles: [] as string[] },
) {
  const result = await graphql({ schema, source, contextValue: { caller } });
  return {
    data: result.data,
    codes: (result.errors ?? []).map((error) => [
      error.path?.join('.'),
      error.extensions['code'] ?? (error.originalError as { code?: string })?.code,
    ]),
  };
}

describe('protectSchema', () => {
  it('denies what has no rule, and passes what is allowed', async () => {
    const schema = protectSchema(schemaWithResolvers(), rules);
    const result = await run(schema, '{ open unlisted thing { name hidden } }');
    expect(result.data).toEqual({ open: 'open', unlisted: null, thing: { name: 'thing', hidden: null } });
    expect(result.codes).toEqual([
      ['unlisted', 'FORBIDDEN'],
      ['thing.hidden', 'FORBIDDEN'],
    ]);
  });

  it('asks anonymous callers to sign in, and signed-in callers for the role', async () => {
    const schema = protectSchema(schemaWithResolvers(), rules);
    expect((await run(schema, '{ me admin }')).codes).toEqual([
      ['me', 'UNAUTHENTICATED'],
      ['admin', 'UNAUTHENTICATED'],
    ]);
    const user = { subject: 'u-1', roles: ['USER'] };
    expect(await run(schema, '{ me admin }', user)).toEqual({
      data: { me: 'me', admin: null },
      codes: [['admin', 'FORBIDDEN']],
    });
    expect((await run(schema, '{ admin }', { subject: 'u-2', roles: ['ADMIN'] })).data).toEqual({
      admin: 'admin',
    });
  });

  it('leaves fields whose rule is allow with their own resolver (no rule check per field)', () => {
    const original = schemaWithResolvers();
    const schema = protectSchema(original, rules);
    const before = original.getQueryType()!.getFields();
    const after = schema.getQueryType()!.getFields();
    expect(after['open']!.resolve).toBe(before['open']!.resolve);
    expect(after['me']!.resolve).not.toBe(before['me']!.resolve);
    expect(after['unlisted']!.resolve).not.toBe(before['unlisted']!.resolve);
  });
});
