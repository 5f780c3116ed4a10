import type { DeadLetterFilter, DeadLetterSelection } from '@homegraph/platform';
import { parseArgs } from 'node:util';

export const USAGE = `usage: npm run dlq -- <command> --group G [options]

commands:
  list     the dead letters of group G (all, or those matching the filters)
  inspect  one dead letter with its whole value and headers      --partition P --offset O
  replay   send dead letters back through the consumer            --partition P --offset O | filters | --all
  purge    delete dead letters: Kafka deletes only a partition's prefix,
           so purge everything up to and including an offset     --partition P --offset O | --all

filters (list, replay):
  --type T            event type
  --error-class C     error class of the last failure (e.g. EventContractError)
  --event-id E        event id
  --partition P       dead-letter partition
  --from-offset O     first offset (inclusive)
  --to-offset O       last offset (inclusive)

options:
  --json              machine-readable output
  --help              this text

KAFKA_BROKERS (comma-separated host:port) must be set.`;

export type DeadLettersCommand =
  | { name: 'help' }
  | { name: 'list'; group: string; json: boolean; filter: DeadLetterFilter }
  | { name: 'inspect'; group: string; json: boolean; partition: number; offset: string }
  | { name: 'replay'; group: string; json: boolean; selection: DeadLetterSelection }
  | {
      name: 'purge';
      group: string;
      json: boolean;
      target: { all: true } | { partition: number; offset: string };
    };

export type ParsedArgs = { ok: true; command: DeadLettersCommand } | { ok: false; error: string };

const OPTIONS = {
  group: { type: 'string' },
  type: { type: 'string' },
  'error-class': { type: 'string' },
  'event-id': { type: 'string' },
  partition: { type: 'string' },
  offset: { type: 'string' },
  'from-offset': { type: 'string' },
  'to-offset': { type: 'string' },
  all: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

const COMMANDS = ['list', 'inspect', 'replay', 'purge'] as const;
const isCommand = (name: string): name is (typeof COMMANDS)[number] =>
  (COMMANDS as readonly string[]).includes(name);

class UsageError extends Error {}

const DIGITS = /^\d+$/;

function natural(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!DIGITS.test(value)) throw new UsageError(`--${flag} must be a non-negative integer, got "${value}"`);
  return value;
}

/** Turns argv (without node and the script) into a command, or the reason it is not one. Pure. */
export function parseDeadLettersArgs(argv: string[]): ParsedArgs {
  try {
    return { ok: true, command: parse(argv) };
  } catch (error) {
    if (error instanceof UsageError) return { ok: false, error: error.message };
    // node:util parseArgs reports unknown flags and missing values as ERR_PARSE_ARGS_* errors.
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      return { ok: false, error: (error as Error).message };
    }
    throw error;
  }
}

function parse(argv: string[]): DeadLettersCommand {
  const { values, positionals } = parseArgs({
    args: argv,
    options: OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return { name: 'help' };
  const [name, ...extra] = positionals;
  if (!name) throw new UsageError('a command is required');
  if (!isCommand(name)) throw new UsageError(`unknown command "${name}"`);
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const group = values.group;
  if (!group) throw new UsageError('--group is required');
  const json = values.json ?? false;

  const partitionText = natural('partition', values.partition);
  const partition = partitionText === undefined ? undefined : Number(partitionText);
  const offset = natural('offset', values.offset);
  const filter: DeadLetterFilter = {
    ...(values.type !== undefined && { eventType: values.type }),
    ...(values['error-class'] !== undefined && { errorClass: values['error-class'] }),
    ...(values['event-id'] !== undefined && { eventId: values['event-id'] }),
    ...(partition !== undefined && { partition }),
    ...(values['from-offset'] !== undefined && { fromOffset: natural('from-offset', values['from-offset']) }),
    ...(values['to-offset'] !== undefined && { toOffset: natural('to-offset', values['to-offset']) }),
  };
  // A filter beyond the partition: with --offset, --partition names one record rather than filtering.
  const filtering = Object.keys(filter).some((key) => key !== 'partition');
  const single = () => {
    if (partition === undefined || offset === undefined) {
      throw new UsageError(`${name} needs --partition and --offset together`);
    }
    return { partition, offset };
  };

  switch (name) {
    case 'list':
      if (offset !== undefined) throw new UsageError('list takes --from-offset/--to-offset, not --offset');
      if (values.all) throw new UsageError('list lists everything without filters; --all is not needed');
      return { name, group, json, filter };
    case 'inspect':
      if (filtering || values.all) throw new UsageError('inspect takes only --partition and --offset');
      return { name, group, json, ...single() };
    case 'replay':
      if (values.all) {
        if (offset !== undefined || Object.keys(filter).length) {
          throw new UsageError('replay --all takes no filters and no --offset');
        }
        return { name, group, json, selection: { all: true } };
      }
      if (offset !== undefined) {
        if (filtering) throw new UsageError('replay --partition --offset takes no other filters');
        return { name, group, json, selection: single() };
      }
      if (!Object.keys(filter).length) {
        throw new UsageError('replay needs --partition and --offset, a filter, or --all');
      }
      return { name, group, json, selection: { filter } };
    case 'purge':
      if (filtering) {
        throw new UsageError('purge cannot filter: Kafka deletes only a prefix of a partition');
      }
      if (values.all) {
        if (partition !== undefined || offset !== undefined) {
          throw new UsageError('purge --all takes no --partition or --offset');
        }
        return { name, group, json, target: { all: true } };
      }
      return { name, group, json, target: single() };
  }
}
