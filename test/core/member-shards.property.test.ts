import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareUtf8,
  MEMBER_SHARDS,
  shardOfConnection,
  shardRange,
} from '../../lambdas/core/member-shards.ts';

/** Whether `id` falls in the shard's BETWEEN bounds, as DynamoDB compares sort keys (by UTF-8 bytes). */
function inRange(id: string, shard: number): boolean {
  const { from, to } = shardRange(shard);
  return (from === undefined || compareUtf8(id, from) >= 0) && (to === undefined || compareUtf8(id, to) <= 0);
}

const base64Id = fc.base64String({ minLength: 4, maxLength: 24 });

describe('member shards', () => {
  it('puts every gateway-style connection id in exactly one shard: the one shardOfConnection names', () => {
    fc.assert(
      fc.property(base64Id, (id) => {
        const holders = Array.from({ length: MEMBER_SHARDS }, (_, shard) => shard).filter((shard) =>
          inRange(id, shard),
        );
        expect(holders).toEqual([shardOfConnection(id)]);
      }),
      { numRuns: 2_000 },
    );
  });

  it('covers any string at all, whatever its characters', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 2, maxLength: 12, unit: 'binary' }), (id) => {
        expect(inRange(id, shardOfConnection(id))).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it('spreads random gateway ids evenly enough that no shard holds more than twice its share', () => {
    // Prepare
    const counts = new Array<number>(MEMBER_SHARDS).fill(0);
    // As the gateways make them: 10 random bytes in base64 (fast-check's generators lean to edge cases).
    const ids = Array.from({ length: 32_000 }, () => randomBytes(10).toString('base64'));

    // Act
    for (const id of ids) counts[shardOfConnection(id)] = (counts[shardOfConnection(id)] ?? 0) + 1;

    // Assess
    expect(Math.max(...counts)).toBeLessThan((2 * 32_000) / MEMBER_SHARDS);
    expect(Math.min(...counts)).toBeGreaterThan(32_000 / MEMBER_SHARDS / 2);
  });

  it('compares as UTF-8 bytes do, not as UTF-16 code units', () => {
    // U+FF5E sorts before U+1F600 in UTF-8 (and in code points) but after it in UTF-16 code units.
    expect(compareUtf8('\uff5e', '\u{1f600}')).toBeLessThan(0);
    expect('\uff5e' < '\u{1f600}').toBe(false);
  });

  it.each([-1, MEMBER_SHARDS, 1.5])('refuses shard %s', (shard) => {
    expect(() => shardRange(shard)).toThrow(RangeError);
  });
});
