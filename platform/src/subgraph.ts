import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import type { GraphQLSchema } from 'graphql';
import gql from 'graphql-tag';
import 'reflect-metadata';
import { buildSchema, createResolversMap, type BuildSchemaOptions } from 'type-graphql';

/** The federation spec version and directives every subgraph imports. */
export const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@inaccessible", "@tag", "@override", "@interfaceObject", "@composeDirective"])';

export type ReferenceResolvers = Record<string, { __resolveReference: (...args: never[]) => unknown }>;

/**
 * Builds a federated subgraph schema from type-graphql resolvers: type-graphql builds and prints the
 * schema with its directives, the federation @link is prepended, and `buildSubgraphSchema` adds
 * `_service`, `_entities` and the reference resolvers. `schemaExtensions` are further
 * `extend schema …` lines: the @link and @composeDirective of a custom directive that must reach the
 * supergraph (type-graphql can't put directives on the schema itself).
 */
export async function buildFederatedSchema(
  options: Omit<BuildSchemaOptions, 'skipCheck'>,
  referenceResolvers: ReferenceResolvers = {},
  schemaExtensions: readonly string[] = [],
): Promise<GraphQLSchema> {
  const schema = await buildSchema({ ...options, skipCheck: true });
  const typeDefs = gql([FEDERATION_LINK, ...schemaExtensions, printSchemaWithDirectives(schema)].join('\n'));
  const resolvers = createResolversMap(schema) as GraphQLResolverMap<unknown>;
  for (const [typeName, reference] of Object.entries(referenceResolvers)) {
    resolvers[typeName] = {
      ...(resolvers[typeName] as object),
      ...reference,
    } as GraphQLResolverMap<unknown>[string];
  }
  return buildSubgraphSchema({ typeDefs, resolvers });
}
