import { breakingChanges, type JsonSchema } from '../src/contract-compatibility';

const published: JsonSchema = {
  type: 'object',
  properties: {
    listingId: { type: 'string', format: 'uuid' },
    status: { type: 'string', enum: ['DRAFT', 'ACTIVE'] },
    reasons: { type: 'array', items: { type: 'string' } },
    note: { type: 'string' },
  },
  required: ['listingId', 'status', 'reasons'],
};

const change = (mutate: (schema: JsonSchema) => void): string[] => {
  const current = structuredClone(published);
  mutate(current);
  return breakingChanges(published, current);
};

describe('breakingChanges', () => {
  it('accepts additive changes: a new optional field, a new enum value', () => {
    expect(
      change((schema) => {
        schema.properties!['extra'] = { type: 'number' };
        schema.properties!['status']!.enum = ['DRAFT', 'ACTIVE', 'SOLD'];
      }),
    ).toEqual([]);
  });

  it.each([
    ['a removed field', (s: JsonSchema) => delete s.properties!['note'], '(payload).note: removed'],
    [
      'a new required field',
      (s: JsonSchema) => {
        s.properties!['x'] = { type: 'string' };
        s.required!.push('x');
      },
      '(payload).x: added as required',
    ],
    [
      'an optional field made required',
      (s: JsonSchema) => s.required!.push('note'),
      '(payload).note: became required',
    ],
    [
      'a required field made optional',
      (s: JsonSchema) => (s.required = ['listingId', 'status']),
      '(payload).reasons: no longer required',
    ],
    [
      'a changed type',
      (s: JsonSchema) => (s.properties!['note'] = { type: 'number' }),
      '(payload).note: type changed',
    ],
    [
      'a removed enum value',
      (s: JsonSchema) => (s.properties!['status']!.enum = ['DRAFT']),
      '(payload).status: enum values removed: ["ACTIVE"]',
    ],
    [
      'a changed format',
      (s: JsonSchema) => delete s.properties!['listingId']!.format,
      '(payload).listingId: format changed',
    ],
    [
      'a changed item type',
      (s: JsonSchema) => (s.properties!['reasons']!.items = { type: 'number' }),
      '(payload).reasons[]: type changed',
    ],
  ])('refuses %s', (_name, mutate, expected) => {
    expect(change(mutate).join('\n')).toContain(expected);
  });
});
