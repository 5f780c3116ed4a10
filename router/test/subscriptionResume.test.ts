import type { EventEnvelope } from '../../platform/src';
import { uuidv7 } from '../../platform/src/events/envelope';
import {
  compareEventIds,
  eventIdTime,
  mergeByEventId,
  ReplayMerge,
  ResumeInputError,
  ResumeLimitError,
} from '../src/subscriptions/resume';

const envelope = (eventId: string): EventEnvelope => ({
  eventId,
  type: 'listing.updated',
  version: 1,
  occurredAt: '2026-01-01T00:00:00Z',
  producer: 'listings',
  aggregate: { type: 'Listing', id: 'one', version: 1 },
  actor: { type: 'system', id: 'test' },
  payload: { listingId: 'one' },
});

/** Ids that sort in the order given: the time is the index, in ms. */
const ids = (count: number, base = 1_767_225_600_000) =>
  Array.from({ length: count }, (_, index) => uuidv7(base + index));

describe('resuming subscriptions', () => {
  it('reads the Unix time in ms from a UUIDv7', () => {
    const now = 1_767_225_600_123;
    expect(eventIdTime(uuidv7(now))).toBe(now);
    expect(eventIdTime(uuidv7(now).toUpperCase())).toBe(now);
    expect(eventIdTime('018f0000-0000-7000-8000-000000000001')).toBe(0x018f00000000);
  });

  it('refuses what is not a UUIDv7', () => {
    for (const bad of [
      'not-an-id',
      '',
      42,
      { id: 'x' },
      '0f0e4b8e-6c9b-4d3c-9f57-6a2b1c7d8e9f', // a v4
      '018f0000-0000-7000-c000-000000000001', // wrong variant
      '018f0000-0000-7000-8000-00000000000', // too short
    ])
      expect(() => eventIdTime(bad)).toThrow(ResumeInputError);
  });

  it('orders ids by time', () => {
    const [a, b] = ids(2) as [string, string];
    expect(compareEventIds(a, b)).toBe(-1);
    expect(compareEventIds(b, a.toUpperCase())).toBe(1);
    expect(compareEventIds(a, a.toUpperCase())).toBe(0);
  });

  it('merges partitions by id, keeping each partition in its own order', () => {
    const [a, b, c, d, e] = ids(5).map(envelope) as EventEnvelope[];
    // d before c in its partition (two edits of one aggregate in one ms may sort either way).
    const merged = mergeByEventId([[a!, d!, c!], [b!, e!], []]);
    expect(merged.map((event) => event.eventId)).toEqual([a, b, d, c, e].map((event) => event!.eventId));
  });

  it('joins the replay and the live events with no duplicate and no gap', () => {
    const [seen, b, c, d, e, f] = ids(6) as string[];
    const merge = new ReplayMerge(seen!, 100);
    // Live, while the replay runs: C and D (C also in the replay), and the already seen event.
    expect(merge.live(envelope(c!))).toBe('hold');
    expect(merge.live(envelope(seen!))).toBe('drop');
    expect(merge.live(envelope(d!))).toBe('hold');
    // The replay: the seen event, B, C; a second copy of B (read twice after a rebalance).
    expect([seen, b, c, b].map((id) => merge.replay(envelope(id!)))).toEqual([false, true, true, false]);
    expect(merge.finish().map((event) => event.eventId)).toEqual([d]);
    expect(merge.replaying).toBe(false);
    // Live from now; a live feed behind the replay's end may still bring B once.
    expect(merge.live(envelope(e!))).toBe('deliver');
    expect(merge.live(envelope(b!))).toBe('drop');
    expect(merge.live(envelope(f!))).toBe('deliver');
  });

  it('refuses to hold more live events than the bound', () => {
    const [seen, ...later] = ids(4) as string[];
    const merge = new ReplayMerge(seen!, 2);
    expect(merge.live(envelope(later[0]!))).toBe('hold');
    expect(merge.live(envelope(later[1]!))).toBe('hold');
    expect(() => merge.live(envelope(later[2]!))).toThrow(ResumeLimitError);
  });
});
