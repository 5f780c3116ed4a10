import { isAppError, type EventEnvelope, type Logger } from '@homegraph/platform';
import {
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import type { Context, SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { decodeJwt } from 'jose';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AccessTokenVerifier, User } from '../accessTokens';
import type { Caller } from '../caller';
import { clientAddress } from '../clientAddress';
import {
  checkLexicalLimits,
  checkOperationLimits,
  measureOperation,
  type OperationLimits,
} from '../operationLimits';
import { keyOf, matches, type EventBinding } from './bindings';
import {
  eventIdTime,
  ReplayMerge,
  ResumeInputError,
  ResumeLimitError,
  type ReplaySource,
  type ReplayWindow,
} from './resume';
import {
  recheckSubscription,
  SCHEMA_CHANGED,
  type Recheck,
  type ServedSchema,
  type SubscriptionSource,
} from './recheck';
import { subscriptionMetrics } from './metrics';
import { rewriteSubscription, RewriteError, type EntityQuery } from './rewrite';
import { DeliveryStream } from './stream';

/** Close codes beyond graphql-ws's own, each with a reason clients can show. */
export const CLOSE = {
  unauthorized: 4401,
  slowConsumer: 4008,
  tryAgainLater: 1013,
  goingAway: 1001,
} as const;

export type { ServedSchema } from './recheck';

/** Runs the rewritten query through the gateway as `caller`, exactly as an HTTP query would run. */
export type EntityExecutor = (
  query: EntityQuery,
  variables: Record<string, unknown>,
  caller: Caller,
) => Promise<FormattedExecutionResult>;

export interface SubscriptionServerOptions {
  server: Server;
  path: string;
  verifyAccessToken: AccessTokenVerifier;
  trustedProxies: ReadonlySet<string>;
  schema(): ServedSchema | undefined;
  execute: EntityExecutor;
  limits: OperationLimits;
  /** A socket whose unsent results pass this many bytes is closed (4008). */
  maxBufferedBytes: number;
  /** False when the router has no Kafka: subscribing answers an error, the socket stays usable. */
  eventsEnabled: boolean;
  logger: Logger;
  registry?: Registry;
  /** graphql-ws keep-alive pings; 0 turns them off. */
  keepAliveMs?: number;
  /** Reads past events for subscribers that resume; without it, resuming answers an error. */
  replay?: ReplaySource;
  /** A resume that would read more records than this (or hold more live ones meanwhile) is refused. */
  resumeMaxEvents?: number;
  /**
   * Counts a connection or a subscribe against the rate limit named by `key` (`ip:<address>` or
   * `user:<id>`, the HTTP API's limits); answers the seconds to wait when over it, else undefined.
   */
  admit?: (key: string) => Promise<number | undefined>;
  /** Subscriptions one socket may hold at once (default 100); one more is refused. */
  maxSubscriptionsPerSocket?: number;
}

interface Connection {
  socket: WebSocket;
  caller: Caller;
  expiry: NodeJS.Timeout | undefined;
  /** Bytes of results resolved for this socket that graphql-ws hasn't taken yet. */
  pending: number;
  /** Subscriptions held (or being set up) on this socket. */
  subscriptions: number;
  closed: boolean;
}

interface Plan {
  binding: EventBinding;
  query: EntityQuery;
  /** The subscription field's arguments, coerced: what argument filters compare with. */
  arguments: Record<string, unknown>;
  connection: Connection;
  /** What it was planned from, and against which supergraph, to check it again on a reload. */
  source: SubscriptionSource;
  served: ServedSchema;
  /** Set when the subscriber asked to resume after an event id. */
  resume?: { lastEventId: string; window: ReplayWindow };
}

interface Active extends Plan {
  stream: DeliveryStream;
  merge?: ReplayMerge;
  /** Deliveries of this subscription chain here, so they go out in event order. */
  tail: Promise<void>;
}

/** Events being resolved at once; past this the feed waits, so a burst can't grow memory without end. */
const MAX_EVENTS_IN_FLIGHT = 64;
const DEFAULT_MAX_SUBSCRIPTIONS_PER_SOCKET = 100;
const LONGEST_TIMER_MS = 2 ** 31 - 1;
/** Record timestamps are the producer's clock, event ids the creator's: a replay starts this much earlier. */
const RESUME_SKEW_MS = 5_000;

const graphQLError = (message: string, code: string) => new GraphQLError(message, { extensions: { code } });

/** Each result says which event it stands for, so a client can resume after it. */
const withEventId = (result: FormattedExecutionResult, eventId: string): FormattedExecutionResult => ({
  ...result,
  extensions: { ...result.extensions, eventId },
});

const identityOf = (user: User | undefined) =>
  user ? `${user.id}|${[...user.roles].sort().join(',')}` : 'anonymous';

/** Canonical JSON (sorted keys), so equal variables make equal fan-out keys. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

export interface SubscriptionServer {
  /** Hands one event to every matching subscription; resolves once the feed may read on. */
  dispatch(topic: string, envelope: EventEnvelope): Promise<void>;
  /**
   * Checks every live subscription against a newly served supergraph: those it still serves the same
   * way go on untouched, the others end with a SUBSCRIPTION_SCHEMA_CHANGED error. Synchronous, so no
   * event is dispatched between the check and the switch.
   */
  reload(next: ServedSchema): { kept: number; ended: number };
  close(): Promise<void>;
}

/**
 * graphql-ws on the router's HTTP server and path. Connection init authenticates like HTTP; each
 * subscription is planned once (validated, bound to its events, rewritten to an entity query) and
 * then fed by `dispatch`.
 */
export function createSubscriptionServer(options: SubscriptionServerOptions): SubscriptionServer {
  const { logger } = options;
  const metrics = subscriptionMetrics(options.registry);
  const connections = new WeakMap<WebSocket, Connection>();
  const byTopic = new Map<string, Set<Active>>();
  const inFlight = new Set<Promise<void>>();

  const close = (connection: Connection, code: number, reason: string, metric: string) => {
    if (connection.closed) return;
    connection.closed = true;
    clearTimeout(connection.expiry);
    metrics.closes.inc({ reason: metric });
    logger.info({ code, reason, user: connection.caller.user?.id }, 'subscription socket closed');
    connection.socket.close(code, reason);
  };

  /** Access tokens can't be revoked, but they do expire: the socket goes with the token it rode in on. */
  const scheduleExpiry = (connection: Connection, authorization: string) => {
    clearTimeout(connection.expiry);
    connection.expiry = undefined;
    const exp = decodeJwt(authorization.trim().replace(/^Bearer\s+/i, '')).exp;
    if (typeof exp !== 'number') return;
    const delay = Math.min(Math.max(0, exp * 1000 - Date.now()), LONGEST_TIMER_MS);
    connection.expiry = setTimeout(
      () => close(connection, CLOSE.unauthorized, 'access token expired', 'token_expired'),
      delay,
    );
    connection.expiry.unref();
  };

  const maxSubscriptionsPerSocket = options.maxSubscriptionsPerSocket ?? DEFAULT_MAX_SUBSCRIPTIONS_PER_SOCKET;

  /** Counts a new socket against a rate limit; over it, closes the socket (1013) saying when to retry. */
  const admitConnection = async (connection: Connection, key: string): Promise<boolean> => {
    const retryAfterSeconds = await options.admit?.(key);
    if (retryAfterSeconds === undefined) return true;
    close(connection, CLOSE.tryAgainLater, `rate limited; retry in ${retryAfterSeconds} s`, 'rate_limited');
    return false;
  };

  /** Verifies a bearer; on failure closes the socket with a reason that says why, and returns undefined. */
  const authenticate = async (
    connection: Connection,
    authorization: unknown,
  ): Promise<{ user: User | undefined } | undefined> => {
    if (authorization !== undefined && typeof authorization !== 'string') {
      close(connection, CLOSE.unauthorized, 'authorization must be "Bearer <access token>"', 'unauthorized');
      return undefined;
    }
    try {
      const user = await options.verifyAccessToken(authorization);
      if (authorization !== undefined) scheduleExpiry(connection, authorization);
      return { user };
    } catch (error) {
      if (!isAppError(error)) throw error;
      if (error.code === 'UNAUTHENTICATED') {
        close(
          connection,
          CLOSE.unauthorized,
          `unauthenticated: ${error.message}`.slice(0, 120),
          'unauthorized',
        );
      } else {
        close(
          connection,
          CLOSE.tryAgainLater,
          'sign-in keys are unavailable; retry later',
          'keys_unavailable',
        );
      }
      return undefined;
    }
  };

  const plan = (
    connection: Connection,
    payload: SubscribePayload,
  ): { document: DocumentNode; schema: GraphQLSchema; plan: Plan } | readonly GraphQLError[] => {
    if (!options.eventsEnabled)
      return [graphQLError('Subscriptions are not enabled on this router.', 'SERVICE_UNAVAILABLE')];
    const served = options.schema();
    if (!served) return [graphQLError('The schema is not loaded yet; retry later.', 'SERVICE_UNAVAILABLE')];
    const lexical = checkLexicalLimits(payload.query, options.limits);
    if (lexical) return [graphQLError(lexical.message, lexical.code)];
    let document: DocumentNode;
    try {
      document = parse(payload.query, { maxTokens: options.limits.tokens });
    } catch (error) {
      return [error instanceof GraphQLError ? error : graphQLError('invalid query', 'GRAPHQL_PARSE_FAILED')];
    }
    const { apiSchema, bindings } = served;
    const invalid = validate(apiSchema, document);
    if (invalid.length) return invalid;
    const operationName = payload.operationName ?? undefined;
    const operation = getOperationAST(document, operationName);
    if (!operation) return [graphQLError('Unable to identify the operation', 'BAD_USER_INPUT')];
    if (operation.operation !== 'subscription')
      return [
        graphQLError(
          'Only subscriptions are served over WebSocket; send queries and mutations over HTTP.',
          'BAD_USER_INPUT',
        ),
      ];
    const inputs = payload.variables ?? {};
    const measured = measureOperation(apiSchema, document, operation, inputs, options.limits.cost);
    const limited = checkOperationLimits(measured, options.limits);
    if (limited) return [graphQLError(limited.message, limited.code)];
    const root = operation.selectionSet.selections[0];
    if (root?.kind !== Kind.FIELD)
      return [
        graphQLError('Select the subscription field directly, not through a fragment.', 'BAD_USER_INPUT'),
      ];
    const binding = bindings.get(root.name.value);
    const fieldDef = apiSchema.getSubscriptionType()?.getFields()[root.name.value];
    if (!binding || !fieldDef)
      return [graphQLError(`${root.name.value} is not bound to events.`, 'BAD_USER_INPUT')];
    const coerced = getVariableValues(apiSchema, operation.variableDefinitions ?? [], inputs);
    if (coerced.errors) return coerced.errors;
    try {
      const query = rewriteSubscription(document, operationName, inputs, binding, apiSchema);
      const args = getArgumentValues(fieldDef, root, coerced.coerced);
      const source = { document, operationName, variables: inputs, field: root.name.value, binding };
      return {
        document,
        schema: apiSchema,
        plan: { binding, query, arguments: args, connection, source, served },
      };
    } catch (error) {
      if (error instanceof RewriteError || error instanceof GraphQLError)
        return [graphQLError(error.message, 'BAD_USER_INPUT')];
      throw error;
    }
  };

  const maxResume = options.resumeMaxEvents ?? 10_000;

  /** Where a resume starts, or the errors that refuse it; undefined when the subscriber doesn't resume. */
  const planResume = async (
    binding: EventBinding,
    payload: SubscribePayload,
  ): Promise<Plan['resume'] | readonly GraphQLError[]> => {
    const lastEventId = payload.extensions?.['lastEventId'];
    if (lastEventId === undefined || lastEventId === null) return undefined;
    let time: number;
    try {
      time = eventIdTime(lastEventId);
    } catch (error) {
      if (error instanceof ResumeInputError) return [graphQLError(error.message, 'BAD_USER_INPUT')];
      throw error;
    }
    if (!options.replay)
      return [graphQLError('Resuming is not available on this router.', 'SERVICE_UNAVAILABLE')];
    let window: ReplayWindow;
    try {
      window = await options.replay.window(binding.topic, time - RESUME_SKEW_MS);
    } catch (error) {
      logger.warn({ err: error, topic: binding.topic }, 'could not find where a resume starts');
      return [graphQLError('Resuming is unavailable right now; retry later.', 'SERVICE_UNAVAILABLE')];
    }
    if (window.expired)
      return [
        graphQLError(
          'The events since lastEventId are no longer retained; query the current state and subscribe without lastEventId.',
          'RESUME_EXPIRED',
        ),
      ];
    if (window.records > maxResume)
      return [
        graphQLError(
          `More than ${maxResume} events happened since lastEventId; query the current state and subscribe without lastEventId.`,
          'RESUME_LIMIT_EXCEEDED',
        ),
      ];
    return { lastEventId: (lastEventId as string).toLowerCase(), window };
  };

  /** The entity key an event yields for this subscription, or undefined when it doesn't concern it. */
  const keyFor = (active: Active, envelope: EventEnvelope): string | undefined => {
    const { binding, connection } = active;
    if (!binding.events.has(envelope.type) || connection.closed) return undefined;
    if (!matches(binding, envelope, { variables: active.arguments, subject: connection.caller.user?.id }))
      return undefined;
    return keyOf(binding, envelope);
  };

  /** Resolves one event for one subscription alone (replays aren't shared) and queues its delivery. */
  const resolveAlone = (active: Active, envelope: EventEnvelope, key: string): Promise<void> => {
    metrics.resolutions.inc();
    const resolved = resolveEntity(active, envelope, key);
    active.tail = active.tail.then(async () => {
      const { result, bytes } = await resolved;
      deliver(active, result, bytes);
    });
    return active.tail;
  };

  const resolveEntity = (active: Active, envelope: EventEnvelope, key: string) =>
    options
      .execute(
        active.query,
        { ...active.query.variables, [active.query.keyVariable]: key },
        active.connection.caller,
      )
      .then((result) => {
        const stamped = withEventId(result, envelope.eventId);
        return {
          result: stamped as FormattedExecutionResult | undefined,
          bytes: Buffer.byteLength(JSON.stringify(stamped)),
        };
      })
      .catch((error: unknown) => {
        logger.warn({ err: error, eventId: envelope.eventId }, 'subscription entity query failed');
        return { result: undefined, bytes: 0 };
      });

  /** Ends a subscription with one error result, after what it was already sent. */
  const fail = (active: Active, message: string, code: string, extensions: Record<string, unknown> = {}) => {
    active.tail = active.tail.then(() => {
      if (active.stream.closed) return;
      active.stream.push({
        result: { errors: [{ message, extensions: { ...extensions, code } }] },
        bytes: 0,
      });
      active.stream.finish();
    });
  };

  /** Applies a re-check: the subscription goes on with the new plan, or ends with an error saying why. */
  const applyRecheck = (active: Active, decision: Recheck, served: ServedSchema): boolean => {
    if (decision.keep) {
      active.query = decision.query;
      active.arguments = decision.arguments;
      active.served = served;
      return true;
    }
    // Out of the topic's set now, so no event read after the switch reaches it; results of events
    // already being resolved still go out before the error.
    byTopic.get(active.binding.topic)?.delete(active);
    active.merge = undefined;
    metrics.schemaChanged.inc({ reason: decision.reason });
    logger.info(
      { field: active.source.field, reason: decision.reason, user: active.connection.caller.user?.id },
      'subscription ended: the supergraph no longer serves it as it was',
    );
    fail(active, decision.message, SCHEMA_CHANGED, { reason: decision.reason });
    return false;
  };

  /**
   * Replays what the subscriber missed, one event at a time and only as fast as its socket takes
   * them (a replay must not trip the slow-consumer bound), then releases the live events held
   * meanwhile that the replay didn't cover.
   */
  const runReplay = async (active: Active, resume: NonNullable<Plan['resume']>, merge: ReplayMerge) => {
    try {
      const missed = await options.replay!.read(
        resume.window,
        (envelope) => keyFor(active, envelope) !== undefined,
      );
      for (const envelope of missed) {
        if (active.stream.closed || active.connection.closed || active.merge !== merge) return;
        const key = keyFor(active, envelope);
        if (key === undefined || !merge.replay(envelope)) continue;
        await resolveAlone(active, envelope, key);
        await active.stream.idle();
      }
    } catch (error) {
      logger.warn({ err: error, topic: resume.window.topic }, 'subscription replay failed');
      fail(
        active,
        'Resuming failed; query the current state and subscribe without lastEventId.',
        'RESUME_FAILED',
      );
      return;
    }
    if (active.merge !== merge) return;
    for (const envelope of merge.finish()) {
      const key = keyFor(active, envelope);
      if (key !== undefined) void resolveAlone(active, envelope, key);
    }
  };

  const register = (planned: Plan): DeliveryStream => {
    const { connection, binding } = planned;
    const active = { ...planned, tail: Promise.resolve() } as Active;
    active.stream = new DeliveryStream(
      (bytes) => (connection.pending -= bytes),
      () => {
        byTopic.get(binding.topic)?.delete(active);
        connection.subscriptions -= 1;
        metrics.active.dec();
      },
    );
    let set = byTopic.get(binding.topic);
    if (!set) byTopic.set(binding.topic, (set = new Set()));
    set.add(active);
    metrics.active.inc();
    // A reload while this subscription was being planned (a resume looks up Kafka first) missed it.
    const served = options.schema();
    if (served && served !== planned.served) {
      if (!applyRecheck(active, recheckSubscription(active.source, served), served)) return active.stream;
    }
    // Registered before the replay notes where partitions end, so every live event after that
    // end is held here rather than missed.
    if (planned.resume) {
      const merge = (active.merge = new ReplayMerge(planned.resume.lastEventId, maxResume));
      void runReplay(active, planned.resume, merge);
    }
    return active.stream;
  };

  const deliver = (active: Active, result: FormattedExecutionResult | undefined, bytes: number) => {
    const { connection, stream, query } = active;
    if (stream.closed || connection.closed || !result) return;
    // Null means this caller may not see the entity (or it is gone): they learn nothing, not even
    // that something happened.
    if (result.data?.[query.responseKey] == null) {
      metrics.deliveries.inc({ outcome: 'withheld' });
      return;
    }
    if (connection.socket.bufferedAmount + connection.pending + bytes > options.maxBufferedBytes) {
      close(connection, CLOSE.slowConsumer, 'slow consumer', 'slow_consumer');
      return;
    }
    connection.pending += bytes;
    metrics.deliveries.inc({ outcome: 'delivered' });
    stream.push({ result, bytes });
  };

  const fanOut = (topic: string, envelope: EventEnvelope): Promise<void> => {
    const groups = new Map<string, { active: Active[]; key: string }>();
    for (const active of byTopic.get(topic) ?? []) {
      const { connection, merge } = active;
      const key = keyFor(active, envelope);
      if (key === undefined) continue;
      if (merge) {
        let decision: ReturnType<ReplayMerge['live']>;
        try {
          decision = merge.live(envelope);
        } catch (error) {
          if (!(error instanceof ResumeLimitError)) throw error;
          active.merge = undefined;
          fail(active, `${error.message}; subscribe again without lastEventId.`, 'RESUME_LIMIT_EXCEEDED');
          continue;
        }
        if (decision !== 'deliver') continue;
      }
      const id = canonical([
        active.query.text,
        active.query.operationName ?? null,
        active.query.variables,
        key,
        identityOf(connection.caller.user),
      ]);
      const group = groups.get(id);
      if (group) group.active.push(active);
      else groups.set(id, { active: [active], key });
    }
    metrics.events.inc({ outcome: groups.size ? 'fanned_out' : 'unwanted' });
    const resolutions: Array<Promise<unknown>> = [];
    for (const { active: members, key } of groups.values()) {
      const [first] = members as [Active];
      metrics.resolutions.inc();
      const resolved = resolveEntity(first, envelope, key);
      resolutions.push(resolved);
      for (const active of members)
        active.tail = active.tail.then(async () => {
          const { result, bytes } = await resolved;
          deliver(active, result, bytes);
        });
    }
    return Promise.all(resolutions).then(() => undefined);
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const graphqlWs = useServer<Record<string, unknown> | undefined>(
    {
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra;
        const connection: Connection = {
          socket,
          caller: {
            address: clientAddress(
              request.socket.remoteAddress,
              request.headers['x-forwarded-for'],
              options.trustedProxies,
            ),
          },
          expiry: undefined,
          pending: 0,
          subscriptions: 0,
          closed: false,
        };
        // The address first, as over HTTP: a flood of forged tokens costs no signature checks.
        if (!(await admitConnection(connection, `ip:${connection.caller.address}`))) return false;
        const verified = await authenticate(connection, ctx.connectionParams?.['authorization']);
        if (!verified) return false;
        if (verified.user) connection.caller.user = verified.user;
        if (verified.user && !(await admitConnection(connection, `user:${verified.user.id}`))) return false;
        connections.set(socket, connection);
        return true;
      },
      onPing: async (ctx, payload) => {
        const connection = connections.get(ctx.extra.socket);
        const authorization = payload?.['authorization'];
        if (!connection || authorization === undefined) return;
        const verified = await authenticate(connection, authorization);
        if (!verified) return;
        if (!verified.user || verified.user.id !== connection.caller.user?.id) {
          close(
            connection,
            CLOSE.unauthorized,
            'a refreshed token must be for the same user',
            'unauthorized',
          );
          return;
        }
        // New roles apply to the next events; the subscriptions stay.
        connection.caller.user = verified.user;
      },
      onSubscribe: async (
        ctx: Context<Record<string, unknown> | undefined, { socket: WebSocket }>,
        _id,
        payload,
      ) => {
        const connection = connections.get(ctx.extra.socket);
        if (!connection || connection.closed) return [graphQLError('Not connected', 'UNAUTHENTICATED')];
        if (connection.subscriptions >= maxSubscriptionsPerSocket)
          return [
            graphQLError(
              `At most ${maxSubscriptionsPerSocket} subscriptions per connection; complete one first.`,
              'SUBSCRIPTION_LIMIT_EXCEEDED',
            ),
          ];
        // Held from here, so concurrent subscribes can't pass the cap together; released on refusal.
        connection.subscriptions += 1;
        const refused = (errors: readonly GraphQLError[]) => {
          connection.subscriptions -= 1;
          return errors;
        };
        const retryAfterSeconds = await options.admit?.(
          connection.caller.user ? `user:${connection.caller.user.id}` : `ip:${connection.caller.address}`,
        );
        if (retryAfterSeconds !== undefined)
          return refused([
            new GraphQLError(`Too many requests; retry in ${retryAfterSeconds} s.`, {
              extensions: { code: 'RATE_LIMITED', retryAfterSeconds },
            }),
          ]);
        const planned = plan(connection, payload);
        if (Array.isArray(planned)) return refused(planned as readonly GraphQLError[]);
        const { document, schema, plan: ready } = planned as Exclude<typeof planned, readonly GraphQLError[]>;
        const resume = await planResume(ready.binding, payload);
        if (Array.isArray(resume)) return refused(resume as readonly GraphQLError[]);
        if (resume) ready.resume = resume as NonNullable<Plan['resume']>;
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: ready,
        };
        return args;
      },
      // Results are already formatted by Apollo (formatError ran); they go out as they are.
      subscribe: (args) => register(args.contextValue as Plan) as unknown as AsyncGenerator<ExecutionResult>,
      onNext: (_ctx, _id, _payload, _args, result) => result as FormattedExecutionResult,
      onClose: (ctx) => {
        const connection = connections.get(ctx.extra.socket);
        if (connection) {
          connection.closed = true;
          clearTimeout(connection.expiry);
        }
        metrics.sockets.dec();
      },
    },
    wss,
    options.keepAliveMs ?? 12_000,
  );
  wss.on('connection', () => metrics.sockets.inc());

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (error) => logger.debug({ err: error }, 'upgrade socket error'));
    const path = (request.url ?? '/').split('?', 1)[0];
    if (path !== options.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  options.server.on('upgrade', onUpgrade);

  return {
    async dispatch(topic, envelope) {
      while (inFlight.size >= MAX_EVENTS_IN_FLIGHT) await Promise.race(inFlight);
      const done = fanOut(topic, envelope).finally(() => inFlight.delete(done));
      inFlight.add(done);
    },
    reload(next) {
      let kept = 0;
      let ended = 0;
      for (const set of [...byTopic.values()])
        for (const active of [...set]) {
          if (active.stream.closed || active.served === next) continue;
          if (applyRecheck(active, recheckSubscription(active.source, next), next)) kept += 1;
          else ended += 1;
        }
      logger.info({ kept, ended }, 'live subscriptions re-checked against the new supergraph');
      return { kept, ended };
    },
    async close() {
      options.server.off('upgrade', onUpgrade);
      for (const socket of wss.clients) {
        const connection = connections.get(socket);
        if (connection) close(connection, CLOSE.goingAway, 'server shutting down', 'shutdown');
        else socket.close(CLOSE.goingAway, 'server shutting down');
      }
      await graphqlWs.dispose();
    },
  };
}
