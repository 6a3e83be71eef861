import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../client/src/backoff.ts';

describe('full-jitter backoff', () => {
  const defaults = { minMs: 500, maxMs: 20_000 };

  it('waits between 0 and min(max, min × 2ⁿ) for any attempt and any random draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 5_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        (attempt, draw, minMs, extra) => {
          const options = { minMs, maxMs: minMs + extra };
          const delay = backoffDelay(attempt, options, () => draw);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(Math.min(options.maxMs, minMs * 2 ** attempt));
          expect(Number.isInteger(delay)).toBe(true);
        },
      ),
    );
  });

  it.each([
    [0, 500],
    [1, 1_000],
    [2, 2_000],
    [5, 16_000],
    [6, 20_000],
    [60, 20_000],
  ])('uses a window of 0.5 s doubling to 20 s by default: attempt %i spans %i ms', (attempt, window) => {
    // A draw just below 1 reaches the top of the window; 0 the bottom.
    expect(backoffDelay(attempt, defaults, () => 0.999_999)).toBe(window - 1);
    expect(backoffDelay(attempt, defaults, () => 0)).toBe(0);
  });

  it('spreads the delays over the whole window (full jitter, not equal jitter)', () => {
    const draws = [0.1, 0.5, 0.9];
    expect(draws.map((draw) => backoffDelay(3, defaults, () => draw))).toEqual([400, 2_000, 3_600]);
  });
});
