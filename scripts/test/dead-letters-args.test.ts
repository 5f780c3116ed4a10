import { parseDeadLettersArgs } from '../src/dead-letters-args';

const parse = (line: string) => parseDeadLettersArgs(line.split(' ').filter(Boolean));
const error = (line: string) => {
  const parsed = parse(line);
  return parsed.ok ? undefined : parsed.error;
};

describe('dead-letters command line', () => {
  it('reads list filters', () => {
    expect(
      parse('list --group listings --type listing.created --error-class EventContractError --json'),
    ).toEqual({
      ok: true,
      command: {
        name: 'list',
        group: 'listings',
        json: true,
        filter: { eventType: 'listing.created', errorClass: 'EventContractError' },
      },
    });
    expect(parse('list --group g --partition 2 --from-offset 10 --to-offset 20 --event-id e')).toEqual({
      ok: true,
      command: {
        name: 'list',
        group: 'g',
        json: false,
        filter: { partition: 2, fromOffset: '10', toOffset: '20', eventId: 'e' },
      },
    });
  });

  it('tells one record, a filter and everything apart for replay', () => {
    expect(parse('replay --group g --partition 0 --offset 7')).toMatchObject({
      command: { selection: { partition: 0, offset: '7' } },
    });
    expect(parse('replay --group g --partition 0')).toMatchObject({
      command: { selection: { filter: { partition: 0 } } },
    });
    expect(parse('replay --group g --type t')).toMatchObject({
      command: { selection: { filter: { eventType: 't' } } },
    });
    expect(parse('replay --group g --all')).toMatchObject({ command: { selection: { all: true } } });
  });

  it('reads inspect and both kinds of purge', () => {
    expect(parse('inspect --group g --partition 1 --offset 3')).toMatchObject({
      command: { name: 'inspect', partition: 1, offset: '3' },
    });
    expect(parse('purge --group g --all')).toMatchObject({ command: { target: { all: true } } });
    expect(parse('purge --group g --partition 0 --offset 9')).toMatchObject({
      command: { target: { partition: 0, offset: '9' } },
    });
  });

  it('answers --help without needing anything else', () => {
    expect(parse('--help')).toEqual({ ok: true, command: { name: 'help' } });
  });

  it.each([
    ['', /command is required/],
    ['drop --group g', /unknown command "drop"/],
    ['list', /--group is required/],
    ['list --group', /argument missing/],
    ['list --group g extra', /unexpected argument "extra"/],
    ['list --group g --colour red', /Unknown option '--colour'/],
    ['list --group g --partition one', /--partition must be a non-negative integer/],
    ['list --group g --from-offset=-1', /--from-offset must be a non-negative integer/],
    ['list --group g --offset 3', /--from-offset\/--to-offset/],
    ['inspect --group g --partition 0', /--partition and --offset together/],
    ['inspect --group g --partition 0 --offset 1 --type t', /only --partition and --offset/],
    ['replay --group g', /a filter, or --all/],
    ['replay --group g --all --type t', /--all takes no filters/],
    ['replay --group g --partition 0 --offset 1 --type t', /takes no other filters/],
    ['replay --group g --offset 1', /--partition and --offset together/],
    ['purge --group g --type t', /Kafka deletes only a prefix/],
    ['purge --group g', /--partition and --offset together/],
    ['purge --group g --all --partition 0', /--all takes no --partition/],
  ])('refuses "%s"', (line, message) => {
    expect(error(line)).toMatch(message);
  });
});
