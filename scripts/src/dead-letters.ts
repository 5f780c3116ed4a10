/**
 * The operator's command for a consumer group's dead letters: list, inspect, replay, purge
 * (docs/runbooks/dead-letters.md). Exit codes: 0 done, 1 it ran and failed (Kafka error, no such
 * record), 2 it did not run (bad arguments, KAFKA_BROKERS missing).
 */
import {
  createKafka,
  createLogger,
  deadLetterTopic,
  DeadLetters,
  retryTopic,
  type DeadLetterEntry,
  type DeadLetterRecord,
} from '@homegraph/platform';
import { parseDeadLettersArgs, USAGE, type DeadLettersCommand } from './dead-letters-args';

const FAILED = 1;
const NOT_RUN = 2;

const print = (text: string) => process.stdout.write(`${text}\n`);
const complain = (text: string) => process.stderr.write(`dead-letters: ${text}\n`);
// Absent fields become null so every JSON object has the same keys for scripts reading it.
const json = (value: unknown) => JSON.stringify(value, (_key, field: unknown) => field ?? null, 2);
const plural = (count: number) => `${count} dead letter${count === 1 ? '' : 's'}`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const shorten = (text: string | undefined, length: number) =>
  !text ? '-' : text.length > length ? `${text.slice(0, length - 1)}…` : text;

const origin = (entry: DeadLetterEntry) =>
  `${entry.originalTopic ?? '?'}[${entry.originalPartition ?? '?'}]@${entry.originalOffset ?? '?'}`;

function listText(entries: DeadLetterEntry[]): string {
  if (!entries.length) return 'no dead letters';
  const rows = entries.map((entry) => [
    String(entry.partition),
    entry.offset,
    entry.eventType ?? '-',
    entry.eventId ?? '-',
    entry.errorClass ?? '-',
    entry.attempts === undefined ? '-' : String(entry.attempts),
    entry.deadLetteredAt ?? '-',
    origin(entry),
    shorten(entry.errorMessage, 60),
  ]);
  const header = [
    'PARTITION',
    'OFFSET',
    'EVENT TYPE',
    'EVENT ID',
    'ERROR',
    'ATTEMPTS',
    'DEAD-LETTERED AT',
    'FROM',
    'MESSAGE',
  ];
  return `${table(header, rows)}\n\n${plural(entries.length)}`;
}

function inspectText(record: DeadLetterRecord): string {
  const field = (name: string, value: string | number | undefined) => `${name.padEnd(20)}${value ?? '-'}`;
  let value = record.value ?? '(no value)';
  try {
    value = JSON.stringify(JSON.parse(value), null, 2);
  } catch {
    // Not JSON (often the very reason it was dead-lettered): show it as it is.
  }
  return [
    field('partition/offset', `${record.partition}/${record.offset}`),
    field('key', record.key),
    field('event', `${record.eventType ?? '?'} ${record.eventId ?? '?'}`),
    field('from', origin(record)),
    field('error', `${record.errorClass ?? '?'}: ${record.errorMessage ?? '-'}`),
    field('attempts', record.attempts),
    field('first failure', record.firstFailureAt),
    field('last failure', record.lastFailureAt),
    field('dead-lettered', record.deadLetteredAt),
    '',
    'headers:',
    ...Object.entries(record.headers)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, text]) => `  ${name}: ${text}`),
    '',
    'value:',
    value,
  ].join('\n');
}

async function run(
  command: Exclude<DeadLettersCommand, { name: 'help' }>,
  deadLetters: DeadLetters,
): Promise<number> {
  const notFound = (partition: number, offset: string) => {
    complain(
      `no dead letter at partition ${partition} offset ${offset} of ${deadLetterTopic(command.group)}`,
    );
    return FAILED;
  };
  switch (command.name) {
    case 'list': {
      const entries = await deadLetters.list(command.filter);
      print(command.json ? json(entries) : listText(entries));
      return 0;
    }
    case 'inspect': {
      const record = await deadLetters.inspect(command.partition, command.offset);
      if (!record) return notFound(command.partition, command.offset);
      print(command.json ? json(record) : inspectText(record));
      return 0;
    }
    case 'replay': {
      const { selection } = command;
      const replayed = await deadLetters.replay(selection);
      if (!replayed && 'offset' in selection) return notFound(selection.partition, selection.offset);
      const topic = retryTopic(command.group, 1);
      print(
        command.json
          ? json({ replayed, topic })
          : `replayed ${plural(replayed)} to ${topic}; the consumer applies each event at most once`,
      );
      return 0;
    }
    case 'purge': {
      const { target } = command;
      const purged =
        'all' in target
          ? await deadLetters.purgeAll()
          : await deadLetters.purgeUpTo(target.partition, target.offset);
      print(command.json ? json({ purged }) : `purged ${plural(purged)} from ${deadLetters.topic}`);
      return 0;
    }
  }
}

async function main(): Promise<number> {
  const parsed = parseDeadLettersArgs(process.argv.slice(2));
  if (!parsed.ok) {
    complain(`${parsed.error}\n\n${USAGE}`);
    return NOT_RUN;
  }
  const { command } = parsed;
  if (command.name === 'help') {
    print(USAGE);
    return 0;
  }
  const brokers = process.env['KAFKA_BROKERS'];
  if (!brokers) {
    complain(
      'KAFKA_BROKERS is not set: export the brokers (host:port,…), or source scripts/local-env.sh locally',
    );
    return NOT_RUN;
  }
  // Logs go to stderr so stdout stays the command's output (and valid JSON with --json).
  const logger = createLogger({
    service: 'dead-letters',
    level: process.env['LOG_LEVEL'] ?? 'error',
    destination: process.stderr,
  });
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'dead-letters', logger });
  return run(command, new DeadLetters(kafka, command.group, logger));
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    complain(error instanceof Error ? error.message : String(error));
    process.exitCode = FAILED;
  },
);
