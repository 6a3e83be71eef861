/**
 * Summary statistics for benchmark samples. Percentiles use the nearest-rank method (the smallest
 * sample with at least p % of the samples at or below it), so every reported figure is a value that was
 * actually observed, never an interpolation between two.
 */

/** The nearest-rank percentile `p` (0–100] of `samples`; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`p must be in (0, 100], got ${p}`);
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[rank - 1] as number;
}

/** The middle sample (the mean of the two middle ones for an even count); NaN for no samples. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** `value / baseline`, or undefined when there is no usable baseline. */
export function ratioOf(value: number, baseline: number): number | undefined {
  return Number.isFinite(value) && Number.isFinite(baseline) && baseline > 0 ? value / baseline : undefined;
}
