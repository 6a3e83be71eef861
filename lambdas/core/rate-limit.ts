/**
 * Per-connection message rate, as a token bucket expressed in GCRA form (generic cell rate algorithm):
 * the bucket is one number, the theoretical arrival time (TAT) of the next message. That makes each
 * decision a single conditional write in the store, exact under concurrent invocations for the same
 * connection, with no read-modify-write race.
 *
 * With `perSecond` r and `burst` b: one message costs 1/r seconds; a message is admitted while
 * TAT ≤ now + (b − 1)/r, so an idle connection may send b messages at once and then r per second.
 */
import { fail, ok, type Result } from './result.ts';

export interface RateLimit {
  /** Sustained messages per second per connection. */
  readonly perSecond: number;
  /** Messages an idle connection may send at once. */
  readonly burst: number;
}

/** Admitted, or refused with how long to wait. */
export type RateDecision = Result<undefined, { readonly retryAfterMs: number }>;

const admitted: RateDecision = ok(undefined);

/** The arithmetic of one GCRA step, in milliseconds, shared by every store that keeps a TAT. */
export function gcraParameters(limit: RateLimit, now: number) {
  const intervalMs = 1000 / limit.perSecond;
  const toleranceMs = (limit.burst - 1) * intervalMs;
  return {
    intervalMs,
    /** TAT after a message that finds the bucket full (TAT in the past). */
    idleTat: now + intervalMs,
    /** The latest TAT at which a message is still admitted. */
    latestAdmissibleTat: now + toleranceMs,
    /** How long a refused sender must wait, given the stored TAT. */
    retryAfterMs: (tat: number) => Math.max(1, Math.ceil(tat - (now + toleranceMs))),
  };
}

/** Decides in memory; the DynamoDB adapter performs the same steps as conditional writes. */
export function decide(
  limit: RateLimit,
  tat: number | undefined,
  now: number,
): { decision: RateDecision; tat: number | undefined } {
  const { intervalMs, idleTat, latestAdmissibleTat, retryAfterMs } = gcraParameters(limit, now);
  if (tat === undefined || tat < now) return { decision: admitted, tat: idleTat };
  if (tat <= latestAdmissibleTat) return { decision: admitted, tat: tat + intervalMs };
  return { decision: fail({ retryAfterMs: retryAfterMs(tat) }), tat };
}
