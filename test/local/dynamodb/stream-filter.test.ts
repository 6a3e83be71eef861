import { describe, expect, it } from 'vitest';
import {
  connectionInsertFilterPattern,
  matchesFilterPattern,
} from '../../../local/dynamodb/stream-filter.ts';

const record = (eventName: string, sk: string) => ({
  eventName,
  dynamodb: { Keys: { pk: { S: 'X#1' }, sk: { S: sk } } },
});

describe('stream filter', () => {
  it.each([
    ['an inserted connection', record('INSERT', 'CONNECTION'), true],
    ['a modified connection', record('MODIFY', 'CONNECTION'), false],
    ['a removed connection', record('REMOVE', 'CONNECTION'), false],
    ['an inserted membership', record('INSERT', 'ROOM#general'), false],
    ['a record without keys', { eventName: 'INSERT' }, false],
  ])('matches only inserted connection items: %s', (_name, candidate, expected) => {
    // Act / Assess
    expect(matchesFilterPattern(connectionInsertFilterPattern, candidate)).toBe(expected);
  });

  it.each([
    [{ eventName: [{ prefix: 'INS' }] }, true],
    [{ eventName: [{ 'anything-but': ['REMOVE'] }] }, true],
    [{ eventName: [{ 'anything-but': 'INSERT' }] }, false],
    [{ dynamodb: { NewImage: [{ exists: false }] } }, true],
    [{ dynamodb: { Keys: [{ exists: true }] } }, true],
    [{ eventName: ['MODIFY', 'INSERT'] }, true],
  ])('supports Lambda filter operators: %j', (pattern, expected) => {
    // Act / Assess
    expect(matchesFilterPattern(pattern, record('INSERT', 'CONNECTION'))).toBe(expected);
  });

  it('refuses operators it does not implement instead of guessing', () => {
    // Act / Assess
    expect(() =>
      matchesFilterPattern({ eventName: [{ numeric: ['>', 1] } as never] }, record('INSERT', 'CONNECTION')),
    ).toThrow(/unsupported filter operator/);
  });
});
