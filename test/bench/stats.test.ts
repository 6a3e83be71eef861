import { describe, expect, it } from 'vitest';
import { median, percentile, ratioOf } from '../../bench/stats.ts';

describe('percentile', () => {
  it.each([
    [50, 5],
    [90, 9],
    [95, 10],
    [99, 10],
    [100, 10],
    [10, 1],
    [1, 1],
  ])('takes the nearest-rank p%d of 1..10 as %d', (p, expected) => {
    // Prepare: shuffled, so the function must sort
    const samples = [7, 3, 10, 1, 5, 9, 2, 8, 4, 6];
    // Act / Assess
    expect(percentile(samples, p)).toBe(expected);
  });

  it('reports an observed value, never an interpolation', () => {
    expect(percentile([10, 20], 50)).toBe(10);
    expect(percentile([10, 20], 51)).toBe(20);
  });

  it('is NaN for no samples and refuses p outside (0, 100]', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 0)).toThrow('p must be in (0, 100], got 0');
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('leaves the samples unsorted', () => {
    const samples = [3, 1, 2];
    percentile(samples, 50);
    expect(samples).toEqual([3, 1, 2]);
  });
});

describe('median', () => {
  it('takes the middle of an odd count and the mean of the middle two of an even count', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('ratioOf', () => {
  it('divides by a positive baseline and has no ratio otherwise', () => {
    expect(ratioOf(3, 2)).toBe(1.5);
    expect(ratioOf(3, 0)).toBeUndefined();
    expect(ratioOf(Number.NaN, 2)).toBeUndefined();
  });
});
