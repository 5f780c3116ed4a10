import { hash, verify } from '@node-rs/argon2';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '@homegraph/platform';

/** OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): ~20 ms per hash on one core. */
// 2 = Argon2id (the const enum `Algorithm` is not importable under isolatedModules).
const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

export function checkPasswordPolicy(password: string, field = 'password'): void {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw new AppError(
      'BAD_USER_INPUT',
      `${field} must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`,
      { field },
    );
  }
}

export const hashPassword = (password: string): Promise<string> => hash(password, ARGON2_OPTIONS);

export const verifyPassword = (passwordHash: string, password: string): Promise<boolean> =>
  verify(passwordHash, password).catch(() => false);

/**
 * Verifying against this when the account doesn't exist costs what a real check costs, so response
 * time doesn't tell which emails have accounts.
 */
let decoyHash: Promise<string> | undefined;
export const decoyPasswordHash = (): Promise<string> =>
  (decoyHash ??= hashPassword(randomBytes(16).toString('hex')));

/** An opaque bearer secret: 256 random bits, prefixed so leaked tokens are recognisable by scanners. */
export function newOpaqueToken(prefix: 'hgr' | 'hgv' | 'hgp'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** Tokens are looked up by this hash; the token itself is never stored. */
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
