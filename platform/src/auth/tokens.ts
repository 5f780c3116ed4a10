import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  type KeyLike,
} from 'jose';
import { AppError } from '../errors';

/**
 * Token types, in the JWT `typ` header. Each verifier accepts exactly one, so a token of one kind can
 * never stand in for another (RFC 8725 §3.11). Refresh tokens are opaque random strings stored hashed,
 * never JWTs, so they can't pass for access tokens at all.
 */
export const TOKEN_TYPES = {
  /** A user's access token, issued by the users subgraph, verified by the router. RFC 9068. */
  access: 'at+jwt',
  /** The router's statement to one subgraph about who is calling, valid for seconds. */
  internal: 'hg-internal+jwt',
} as const;

export type TokenType = keyof typeof TOKEN_TYPES;

/** The only algorithm signed or accepted: Ed25519. Pinned, so `alg: none` or HS256 tricks fail. */
export const TOKEN_ALGORITHM = 'EdDSA';

export interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  publicJwk: JWK;
}

/** A fresh Ed25519 key pair with its RFC 7638 thumbprint as `kid`. */
export async function generateSigningKey(): Promise<SigningKey & { privatePkcs8: string }> {
  const { privateKey, publicKey } = await generateKeyPair(TOKEN_ALGORITHM, {
    crv: 'Ed25519',
    extractable: true,
  });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    kid,
    privateKey,
    publicJwk: { ...publicJwk, kid, alg: TOKEN_ALGORITHM, use: 'sig' },
    privatePkcs8: await exportPKCS8(privateKey),
  };
}

/** Loads a signing key from its PKCS#8 PEM (a secret from the environment). */
export async function loadSigningKey(pkcs8Pem: string): Promise<SigningKey> {
  const privateKey = await importPKCS8(pkcs8Pem, TOKEN_ALGORITHM, { extractable: true });
  const { d: _private, ...publicJwk } = await exportJWK(privateKey);
  // jose imports any PKCS#8 key here and only fails when signing: refuse other key types at load.
  if (publicJwk.kty !== 'OKP' || publicJwk.crv !== 'Ed25519') throw new Error('not an Ed25519 private key');
  const kid = await calculateJwkThumbprint(publicJwk);
  return { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: TOKEN_ALGORITHM, use: 'sig' } };
}

/** The public half of the keys a verifier trusts: during a rotation, the old and the new key. */
export function jwksOf(...keys: SigningKey[]): JSONWebKeySet {
  return { keys: keys.map((key) => key.publicJwk) };
}

export interface SignOptions {
  type: TokenType;
  issuer: string;
  audience: string;
  subject: string;
  ttlSeconds: number;
  claims?: Record<string, unknown>;
}

export async function signToken(key: SigningKey, options: SignOptions): Promise<string> {
  return new SignJWT({ ...options.claims })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, typ: TOKEN_TYPES[options.type], kid: key.kid })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setSubject(options.subject)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + options.ttlSeconds)
    .setJti(crypto.randomUUID())
    .sign(key.privateKey);
}

export interface VerifyOptions {
  type: TokenType;
  issuer: string;
  audience: string;
  /** Allowed clock difference between signer and verifier. */
  clockToleranceSeconds?: number;
}

export type TokenKeySource = Parameters<typeof jwtVerify>[1];

/** A key source from a JWKS document held in memory (refreshed by whoever fetched it). */
export const localKeySet = (jwks: JSONWebKeySet): TokenKeySource => createLocalJWKSet(jwks);

/**
 * Verifies signature (EdDSA only, key chosen by `kid`), `typ`, issuer, audience, expiry and
 * not-before. Any failure is UNAUTHENTICATED; the reason is a short, stable phrase.
 */
export async function verifyToken(
  token: string,
  keys: TokenKeySource,
  options: VerifyOptions,
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, keys, {
      algorithms: [TOKEN_ALGORITHM],
      typ: TOKEN_TYPES[options.type],
      issuer: options.issuer,
      audience: options.audience,
      clockTolerance: options.clockToleranceSeconds ?? 5,
      requiredClaims: ['exp', 'iat', 'sub', 'jti'],
    });
    return payload;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === 'ERR_JWT_EXPIRED' ? 'token expired' : 'invalid token';
    throw new AppError('UNAUTHENTICATED', reason);
  }
}
export type { JSONWebKeySet } from 'jose';
