import { trace } from '@opentelemetry/api';
import pino, { type Logger, type LoggerOptions } from 'pino';
import { currentContext } from './context';

export type { Logger } from 'pino';

/** Keys whose values never reach a log line, at any of the first three levels of nesting. */
const SENSITIVE_KEYS = [
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'apiKey',
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'email',
  'phone',
  'phoneNumber',
];

const accessor = (key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`);

export const REDACT_PATHS = SENSITIVE_KEYS.flatMap((key) => {
  const tail = accessor(key);
  return [tail.startsWith('.') ? key : tail, `*${tail}`, `*.*${tail}`];
});

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// Only international (+-prefixed) numbers: bare digit runs are too often ids, dates or ports.
const PHONE = /(?<![\w+])\+\d[\d\s()-]{6,}\d(?![\w.-])/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

/** Masks emails, phone numbers and credentials that slipped into free text. */
export function scrubText(text: string): string {
  return text
    .replace(BEARER, '$1 [REDACTED]')
    .replace(JWT, '[REDACTED_TOKEN]')
    .replace(EMAIL, '[REDACTED_EMAIL]')
    .replace(PHONE, '[REDACTED_PHONE]');
}

export interface LoggerSettings {
  service: string;
  level: string;
  destination?: pino.DestinationStream;
}

export function createLogger({ service, level, destination }: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const fields: Record<string, string> = {};
      const context = currentContext();
      if (context) fields['requestId'] = context.requestId;
      const spanContext = trace.getActiveSpan()?.spanContext();
      if (spanContext) {
        fields['traceId'] = spanContext.traceId;
        fields['spanId'] = spanContext.spanId;
      }
      return fields;
    },
    hooks: {
      logMethod(args, method) {
        // pino takes an Error's message as the line's msg before serializers run: scrub it here.
        const [first, ...rest] = args as unknown[];
        const leading =
          first instanceof Error && typeof rest[0] !== 'string'
            ? [{ err: first }, scrubText(first.message)]
            : [first];
        const scrubbed = [...leading, ...rest].map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg));
        method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
    serializers: {
      err: (err: unknown) => {
        const serialized = pino.stdSerializers.err(err as Error);
        if (typeof serialized.message === 'string') serialized.message = scrubText(serialized.message);
        if (typeof serialized.stack === 'string') serialized.stack = scrubText(serialized.stack);
        return serialized;
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
