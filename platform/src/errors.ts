import { GraphQLError } from 'graphql';

/**
 * The registry of error codes clients may rely on. A code never changes meaning; new codes are added,
 * none are removed. `httpStatus` is what a non-GraphQL route (health, webhooks) answers with.
 */
export const ERROR_CODES = {
  UNAUTHENTICATED: { httpStatus: 401, description: 'No valid credentials were presented.' },
  FORBIDDEN: { httpStatus: 403, description: 'The caller is authenticated but may not do this.' },
  BAD_USER_INPUT: { httpStatus: 400, description: 'The input is invalid; nothing was changed.' },
  NOT_FOUND: { httpStatus: 404, description: 'The requested entity does not exist or is not visible.' },
  CONFLICT: { httpStatus: 409, description: 'The request conflicts with the current state.' },
  RATE_LIMITED: { httpStatus: 429, description: 'Too many requests; retry after the advertised delay.' },
  PERSISTED_QUERY_NOT_FOUND: { httpStatus: 200, description: 'The persisted query hash is unknown.' },
  PERSISTED_QUERY_NOT_ALLOWED: {
    httpStatus: 200,
    description: 'This client may only run operations from its safelist.',
  },
  SERVICE_UNAVAILABLE: { httpStatus: 503, description: 'A dependency is unavailable; retry later.' },
  INTERNAL: { httpStatus: 500, description: 'An unexpected error; details are in the server logs.' },
} as const satisfies Record<string, { httpStatus: number; description: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * An error whose message is safe to show to clients. Anything that is not an AppError is reported to
 * clients as INTERNAL with no details.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  toGraphQLError(): GraphQLError {
    return new GraphQLError(this.message, { extensions: { code: this.code, ...this.details } });
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;
