import type { ApolloServerPlugin, GraphQLRequest } from '@apollo/server';
import { AppError, ERROR_CODES, type Logger } from '@homegraph/platform';
import { GraphQLError } from 'graphql';
import type { RouterContext } from './caller';
import {
  checkLexicalLimits,
  checkOperationLimits,
  measureOperation,
  type OperationLimits,
} from './operationLimits';
import { sha256Hex, type Partner } from './partners';

/**
 * Apollo answers a throw from `requestDidStart` with a 500, and looks the hash up, parses and validates
 * right after it. So a refusal decided there swaps the request for this trivial document (nothing of the
 * refused one is looked up, parsed or validated) and is raised at `didResolveOperation`, still before
 * any query plan or subgraph request.
 */
const STAND_IN = '{ __typename }';

function refusal(error: AppError): GraphQLError {
  return new GraphQLError(error.message, {
    originalError: error,
    extensions: { code: error.code, ...error.details, http: { status: ERROR_CODES[error.code].httpStatus } },
  });
}

/**
 * A partner runs only the operations of its safelist, by hash or by exact text; a safelisted hash is
 * served from the manifest, never from the APQ cache, so partners need no registration round trip.
 */
function applySafelist(request: GraphQLRequest, partner: Partner): AppError | undefined {
  const persisted = request.extensions?.['persistedQuery'] as { sha256Hash?: unknown } | undefined;
  const claimed = typeof persisted?.sha256Hash === 'string' ? persisted.sha256Hash : undefined;
  const hash = claimed ?? (request.query !== undefined ? sha256Hex(request.query) : undefined);
  const body = hash === undefined ? undefined : partner.safelist.get(hash);
  if (body === undefined || (request.query !== undefined && request.query !== body))
    return new AppError('PERSISTED_QUERY_NOT_ALLOWED', 'This operation is not on your safelist.');
  request.query = body;
  if (request.extensions) {
    const { persistedQuery: _persistedQuery, ...rest } = request.extensions;
    request.extensions = rest;
  }
  return undefined;
}

/** Safelists and operation limits, all enforced before planning. */
export function requestGuardPlugin(
  limits: OperationLimits,
  logger: Logger,
): ApolloServerPlugin<RouterContext> {
  return {
    async requestDidStart({ request, contextValue }) {
      const partner = contextValue.caller.partner;
      let refused = partner ? applySafelist(request, partner) : undefined;
      // A hash-only request's text comes from the APQ cache, where only operations that passed these
      // limits are ever stored.
      if (!refused && request.query !== undefined) refused = checkLexicalLimits(request.query, limits);
      if (refused) {
        request.query = STAND_IN;
        request.operationName = undefined;
        request.variables = {};
        request.extensions = {};
      }
      return {
        async didResolveOperation({ schema, document, operation, request: resolved }) {
          if (!refused && operation) {
            const measures = measureOperation(schema, document, operation, resolved.variables, limits.cost);
            refused = checkOperationLimits(measures, limits);
          }
          if (!refused) return;
          logger.info(
            { code: refused.code, partner: partner?.name, ...refused.details },
            'operation refused',
          );
          throw refusal(refused);
        },
      };
    },
  };
}
