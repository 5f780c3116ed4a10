import { AppError } from '@homegraph/platform';
import { z } from 'zod';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = z.email();

export const NAME_MIN = 2;
export const NAME_MAX = 120;
/** RFC 5321's limit on a forward path. */
const EMAIL_MAX = 254;
/** Far above the 43 characters of a real token: only bounds what is hashed. */
const TOKEN_MAX = 200;

const invalid = (field: string, message: string) => new AppError('BAD_USER_INPUT', message, { field });

export const isUuid = (value: string): boolean => UUID.test(value);

export function uuid(value: string, field: string): string {
  if (!isUuid(value)) throw invalid(field, `${field} must be a UUID`);
  return value.toLowerCase();
}

export function organizationName(value: string): string {
  const name = value.trim();
  if (name.length < NAME_MIN || name.length > NAME_MAX)
    throw invalid('name', `name must be between ${NAME_MIN} and ${NAME_MAX} characters`);
  return name;
}

/** Lower-cased, so one person invited twice under different casings is recognisably the same. */
export function emailAddress(value: string): string {
  const email = value.trim().toLowerCase();
  if (email.length > EMAIL_MAX || !EMAIL.safeParse(email).success)
    throw invalid('email', 'email must be a valid email address');
  return email;
}

export function invitationToken(value: string): string {
  const token = value.trim();
  if (!token || token.length > TOKEN_MAX) throw invalid('token', 'token is not a valid invitation token');
  return token;
}
