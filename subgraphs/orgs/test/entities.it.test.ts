import { OutboxWriter } from '@homegraph/platform';
import { eventCatalog } from '@homegraph/schema';
import { PrismaPg } from '@prisma/adapter-pg';
import { execute, parse, type GraphQLSchema } from 'graphql';
import { createSubgraphDatabase, type TestDatabase } from '../../../test/support/databases';
import { createContext } from '../src/context';
import { PrismaClient } from '../src/data/__generated__/prisma/client';
import { OrganizationRepository } from '../src/data/organizationRepository';
import { OrganizationService } from '../src/domain/organizationService';
import { buildOrgsSchema } from '../src/schema';
import { newUserId } from './harness';

const ENTITIES = parse(`query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Organization { id name members { user { id } role organization { id } } }
  }
}`);

/**
 * Federation asks for entities in batches: resolving them (and their members) must cost a fixed number
 * of SQL statements however many references come in. The schema runs in-process so every statement
 * the Prisma client sends can be counted.
 */
describe('Organization entities against real PostgreSQL', () => {
  let database: TestDatabase;
  let prisma: PrismaClient<'query'>;
  let schema: GraphQLSchema;
  let organizations: OrganizationRepository;
  let service: OrganizationService;
  const owner = newUserId();
  const ids: string[] = [];
  const statements: string[] = [];

  beforeAll(async () => {
    database = await createSubgraphDatabase('orgs');
    prisma = new PrismaClient({
      adapter: new PrismaPg({ connectionString: database.url }),
      log: [{ emit: 'event', level: 'query' }],
    });
    prisma.$on('query', (event) => statements.push(event.query));
    organizations = new OrganizationRepository(prisma);
    service = new OrganizationService(prisma, new OutboxWriter(eventCatalog(), 'orgs'));
    schema = await buildOrgsSchema();
    for (let index = 0; index < 50; index++) {
      ids.push((await service.createOrganization(owner, { name: `Agency ${index}` })).id);
    }
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await database?.drop();
  });

  async function resolveEntities(count: number) {
    statements.length = 0;
    const result = await execute({
      schema,
      document: ENTITIES,
      variableValues: {
        representations: ids.slice(0, count).map((id) => ({ __typename: 'Organization', id })),
      },
      contextValue: createContext({ subject: owner, roles: ['USER'] }, organizations, service),
    });
    return { result, statements: [...statements] };
  }

  it('resolves 50 references, with members, in two SQL statements', async () => {
    const { result, statements: sent } = await resolveEntities(50);
    expect(result.errors).toBeUndefined();
    const entities = result.data?.['_entities'] as { id: string; members: { user: { id: string } }[] }[];
    expect(entities.map((entity) => entity.id)).toEqual(ids);
    for (const entity of entities)
      expect(entity.members).toEqual([expect.objectContaining({ user: { id: owner } })]);
    expect(sent).toHaveLength(2);
  });

  it('sends as many statements for 1 reference as for 50', async () => {
    const one = await resolveEntities(1);
    const fifty = await resolveEntities(50);
    expect(one.result.errors).toBeUndefined();
    expect(fifty.statements.length).toBe(one.statements.length);
  });

  it('answers null for an unknown or malformed reference without failing the batch', async () => {
    statements.length = 0;
    const result = await execute({
      schema,
      document: parse(
        `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { id } } }`,
      ),
      variableValues: {
        r: [
          { __typename: 'Organization', id: ids[0] },
          { __typename: 'Organization', id: newUserId() },
          { __typename: 'Organization', id: 'not-a-uuid' },
        ],
      },
      contextValue: createContext({ subject: owner, roles: ['USER'] }, organizations, service),
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?.['_entities']).toEqual([{ id: ids[0] }, null, null]);
    expect(statements).toHaveLength(1);
  });
});
