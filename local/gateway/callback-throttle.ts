/**
 * The @connections API's share of the account's request quota: 10,000 requests per second with a
 * burst of 5,000 per account and Region (shared on AWS with every other API; here the callback API
 * has it alone). Over it, API Gateway answers 429 `LimitExceededException`, which is what Parley's
 * fan-out must back off from and retry; the emulator answers the same, so that path runs locally too.
 */
import { decide, type RateLimit } from '../../lambdas/core/rate-limit.ts';

export interface CallbackThrottle {
  /** Spends one request; false when the quota is spent. */
  admit(now: number): boolean;
}

export function createCallbackThrottle(limit: RateLimit | undefined): CallbackThrottle {
  if (!limit || limit.perSecond <= 0) return { admit: () => true };
  let tat: number | undefined;
  return {
    admit(now) {
      const step = decide(limit, tat, now);
      tat = step.tat;
      return step.decision.success;
    },
  };
}
