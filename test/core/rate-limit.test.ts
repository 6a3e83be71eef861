import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../lambdas/core/rate-limit.ts';

describe('token bucket (GCRA)', () => {
  const limit = { perSecond: 10, burst: 3 };

  it('admits a burst from idle, then refuses with the wait until the next token', () => {
    // Prepare
    let tat: number | undefined;
    const decisions = [];

    // Act
    for (let i = 0; i < 4; i++) {
      const step = decide(limit, tat, 1_000);
      tat = step.tat;
      decisions.push(step.decision);
    }

    // Assess
    expect(decisions).toEqual([
      { success: true, data: undefined },
      { success: true, data: undefined },
      { success: true, data: undefined },
      { success: false, error: { retryAfterMs: 100 } },
    ]);
  });

  it('recovers by itself once the wait has passed', () => {
    const full = decide(limit, decide(limit, decide(limit, undefined, 0).tat, 0).tat, 0).tat;
    expect(decide(limit, full, 0).decision.success).toBe(false);
    expect(decide(limit, full, 100).decision.success).toBe(true);
  });

  it('never admits more than burst + rate × elapsed messages', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 200 }),
        (perSecond, burst, gaps) => {
          let now = 0;
          let tat: number | undefined;
          let admitted = 0;
          for (const gap of gaps) {
            now += gap;
            const step = decide({ perSecond, burst }, tat, now);
            tat = step.tat;
            if (step.decision.success) admitted++;
          }
          expect(admitted).toBeLessThanOrEqual(burst + Math.floor((now * perSecond) / 1000) + 1);
        },
      ),
    );
  });
});
