import { currentContext, ERROR_CODES, sendJson, type ErrorCode } from '@homegraph/platform';
import type { ServerResponse } from 'node:http';

/**
 * A GraphQL-shaped error answered before Apollo runs (limits, credentials), with the same extensions
 * Apollo's formatter would give it, request id included.
 */
export function sendGraphQLError(
  res: ServerResponse,
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): void {
  sendJson(res, ERROR_CODES[code].httpStatus, {
    errors: [{ message, extensions: { ...details, code, requestId: currentContext()?.requestId } }],
  });
}
