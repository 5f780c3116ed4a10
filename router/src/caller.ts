import { isAppError, type Logger, type RedisRateLimiter, type RouteHandler } from '@homegraph/platform';
import type { IncomingMessage } from 'node:http';
import type { AccessTokenVerifier, User } from './accessTokens';
import { clientAddress } from './clientAddress';
import { sendGraphQLError } from './httpErrors';
import type { Partner, PartnerDirectory } from './partners';
import { admitWithinLimit, perMinute } from './rateLimit';

/** Who is calling: known before Apollo runs, and the same for the whole request. */
export interface Caller {
  address: string;
  user?: User;
  partner?: Partner;
}

export interface CallerGateOptions {
  limiter: RedisRateLimiter;
  limitsPerMinute: { ip: number; user: number; partner: number };
  trustedProxies: ReadonlySet<string>;
  verifyAccessToken: AccessTokenVerifier;
  partners: PartnerDirectory;
  logger: Logger;
}

const callers = new WeakMap<IncomingMessage, Caller>();

/** The caller `withCallerGate` admitted this request as. */
export function callerOf(req: IncomingMessage): Caller {
  const caller = callers.get(req);
  if (!caller) throw new Error('request did not pass the caller gate');
  return caller;
}

/**
 * Admits a request in the order that keeps refusals cheap: the per-address limit first (so a flood of
 * forged tokens costs no signature checks), then credentials, then the limit of the user or partner.
 */
export function withCallerGate(handler: RouteHandler, options: CallerGateOptions): RouteHandler {
  const { limiter, limitsPerMinute, logger } = options;
  return async (req, res) => {
    const address = clientAddress(
      req.socket.remoteAddress,
      req.headers['x-forwarded-for'],
      options.trustedProxies,
    );
    if (!(await admitWithinLimit(limiter, `ip:${address}`, perMinute(limitsPerMinute.ip), res, logger)))
      return;

    const caller: Caller = { address };
    try {
      caller.user = await options.verifyAccessToken(req.headers.authorization);
      const apiKey = req.headers['x-api-key'];
      if (apiKey !== undefined)
        caller.partner = options.partners.identify(Array.isArray(apiKey) ? apiKey.join(',') : apiKey);
    } catch (error) {
      if (!isAppError(error)) throw error;
      if (error.code === 'UNAUTHENTICATED') {
        logger.info({ reason: error.message }, 'credentials refused');
        res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
      }
      sendGraphQLError(res, error.code, error.message, error.details);
      return;
    }

    if (
      caller.partner &&
      !(await admitWithinLimit(
        limiter,
        `partner:${caller.partner.name}`,
        perMinute(limitsPerMinute.partner),
        res,
        logger,
      ))
    )
      return;
    if (
      caller.user &&
      !(await admitWithinLimit(
        limiter,
        `user:${caller.user.id}`,
        perMinute(limitsPerMinute.user),
        res,
        logger,
      ))
    )
      return;

    callers.set(req, caller);
    await handler(req, res);
  };
}

/** Apollo's per-request context in the router. */
export interface RouterContext {
  caller: Caller;
  /** Set when the router resolves an event for its subscribers rather than serving a client's request. */
  subscriptionEvent?: boolean;
}
