import { generateSigningKey, jwksOf, signToken, type SigningKey } from '../../platform/src/auth/tokens';

export interface GraphQLResult<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> & { code?: string } }>;
}

export interface Caller {
  subject: string;
  roles?: string[];
}

/**
 * Calls one subgraph directly, as the router would: with a router-signed internal token for that
 * subgraph vouching for `caller` (anonymous when omitted).
 */
export class SubgraphClient {
  private constructor(
    private readonly key: SigningKey,
    readonly routerPublicJwks: string,
  ) {}

  static async create(): Promise<SubgraphClient> {
    const key = await generateSigningKey();
    return new SubgraphClient(key, JSON.stringify(jwksOf(key)));
  }

  internalToken(audience: string, caller: Caller = { subject: 'anonymous' }): Promise<string> {
    return signToken(this.key, {
      type: 'internal',
      issuer: 'homegraph-router',
      audience,
      subject: caller.subject,
      ttlSeconds: 60,
      claims: { roles: caller.roles ?? [] },
    });
  }

  async request<T = Record<string, unknown>>(
    url: string,
    audience: string,
    query: string,
    variables: Record<string, unknown> = {},
    caller?: Caller,
  ): Promise<GraphQLResult<T>> {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await this.internalToken(audience, caller)}`,
      },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, ...((await response.json()) as Omit<GraphQLResult<T>, 'status'>) };
  }
}

/** The error codes of a GraphQL answer, in order. */
export const errorCodes = (result: GraphQLResult<unknown>): Array<string | undefined> =>
  (result.errors ?? []).map((error) => error.extensions?.code);
