import { generateSigningKey, jwksOf } from '../../platform/src/auth/tokens';

/** A router signing key for one test file: the PEM for the router, the JWKS for its subgraphs. */
export async function routerKeys(): Promise<{ ROUTER_SIGNING_KEY: string; ROUTER_PUBLIC_JWKS: string }> {
  const key = await generateSigningKey();
  return { ROUTER_SIGNING_KEY: key.privatePkcs8, ROUTER_PUBLIC_JWKS: JSON.stringify(jwksOf(key)) };
}
