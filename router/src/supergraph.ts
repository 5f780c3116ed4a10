import { Supergraph } from '@apollo/federation-internals';

export interface SubgraphEndpoint {
  name: string;
  url: string;
}

/** The subgraphs a supergraph routes to, with environment overrides applied. */
export function subgraphEndpoints(supergraphSdl: string, overrides: Map<string, string>): SubgraphEndpoint[] {
  return Supergraph.build(supergraphSdl)
    .subgraphs()
    .values()
    .map(({ name, url }) => ({ name, url: overrides.get(name) ?? url }));
}

/** A subgraph's liveness route sits beside its GraphQL route. */
export const healthUrl = (graphqlUrl: string): string => new URL('/health', graphqlUrl).toString();
