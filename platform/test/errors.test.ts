import { GraphQLError } from 'graphql';
import pino from 'pino';
import { AppError } from '../src/errors';
import { createErrorFormatter } from '../src/graphql';

const format = createErrorFormatter(pino({ level: 'silent' }));

describe('createErrorFormatter', () => {
  it('passes public application errors through with their code', () => {
    const original = new AppError('BAD_USER_INPUT', 'first must be positive', { field: 'first' });
    const formatted = format(
      { message: original.message },
      new GraphQLError(original.message, { originalError: original }),
    );
    expect(formatted.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    expect(formatted.message).toBe('first must be positive');
  });

  it('turns unexpected errors into INTERNAL without leaking their message', () => {
    const original = new Error('relation "listings" does not exist at 10.0.0.5');
    const formatted = format(
      { message: original.message },
      new GraphQLError(original.message, { originalError: original }),
    );
    expect(formatted).toEqual({
      message: 'Internal server error',
      extensions: { code: 'INTERNAL', requestId: undefined },
    });
  });

  it('strips stack traces, subgraph names and raw subgraph answers from errors relayed by the gateway', () => {
    const formatted = format(
      {
        message: 'id must be a UUID',
        extensions: {
          code: 'BAD_USER_INPUT',
          stacktrace: ['at x'],
          serviceName: 'listings',
          response: { url: 'http://10.0.0.7:4003/graphql', status: 400, body: '{}' },
        },
      },
      new GraphQLError('id must be a UUID'),
    );
    expect(formatted.extensions).toEqual({ code: 'BAD_USER_INPUT', requestId: undefined });
  });
});
