import { describe, expect, it } from 'vitest';
import { capacityEntries } from '../../bench/capacity.ts';

describe('capacityEntries', () => {
  it('reports read and write units as AWS bills them: units spent in transactions count twice', () => {
    // Prepare: joinRoom as DynamoDB Local reports it: a 2-unit transaction and a 0.5-unit member Query
    const rows = [
      {
        id: 'joinRoom' as const,
        operation: 'joinRoom (transaction)',
        reading: { requests: 2, read: 0.5, write: 2, transactionalRead: 0, transactionalWrite: 2 },
      },
      {
        id: 'caller gate (every frame)' as const,
        operation: 'caller gate',
        reading: { requests: 1, read: 0, write: 1, transactionalRead: 0, transactionalWrite: 0 },
      },
    ];
    // Act
    const entries = capacityEntries(rows);
    // Assess
    expect(entries.map(({ name, value, unit }) => ({ name, value, unit }))).toEqual([
      { name: 'RRU per joinRoom', value: 0.5, unit: 'RRU' },
      { name: 'WRU per joinRoom', value: 4, unit: 'WRU' },
      { name: 'RRU per caller gate (every frame)', value: 0, unit: 'RRU' },
      { name: 'WRU per caller gate (every frame)', value: 1, unit: 'WRU' },
    ]);
    expect(entries[0]?.note).toBe(
      'joinRoom (transaction): 2 requests, 2 units in transactions (billed twice)',
    );
  });
});
