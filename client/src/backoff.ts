/**
 * Full-jitter exponential backoff (the "Exponential Backoff and Jitter" analysis of the AWS
 * Architecture Blog, and Centrifugo's clients): the n-th retry waits a uniformly random time between
 * 0 and min(maxMs, minMs · 2ⁿ). Spreading retries over the whole window is what keeps thousands of
 * clients from reconnecting in step after an outage.
 */
export interface BackoffOptions {
  /** The window of the first retry, in milliseconds. @default 500 */
  readonly minMs?: number;
  /** The largest window, in milliseconds. @default 20000 */
  readonly maxMs?: number;
}

export const DEFAULT_BACKOFF = { minMs: 500, maxMs: 20_000 } as const;

/** The wait before retry number `attempt` (0 for the first), given `random()` in [0, 1). */
export function backoffDelay(
  attempt: number,
  options: Required<BackoffOptions>,
  random: () => number,
): number {
  const window = Math.min(options.maxMs, options.minMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * window);
}
