/** Waiting with a deadline instead of sleep-and-hope. */

/** Generous for CI machines with two busy cores: a slow run waits longer, a broken one still fails. */
export const eventTimeoutMs = 15_000;

/** Retries `check` until it stops throwing, or rethrows its last error after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T>,
  timeoutMs = eventTimeoutMs,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await delay(intervalMs);
    }
  }
}

/**
 * Waits until `epochMs`. Only for letting a configured time-based policy elapse (a ticket's lifetime, a
 * rate-limit refill); everything else awaits the event itself.
 */
export async function waitUntil(epochMs: number): Promise<void> {
  const remaining = epochMs - Date.now();
  if (remaining > 0) await delay(remaining);
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
