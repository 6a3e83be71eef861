import { describe, expect, it } from 'vitest';
import { ConnectionThrottledError, PostRejectedError } from '../../lambdas/core/errors.ts';
import { type PostingDeps, type PostingRules, postFrames } from '../../lambdas/core/paced-posting.ts';
import type { ConnectionGateway, PostBudget } from '../../lambdas/core/ports.ts';

const rules: PostingRules = { concurrency: 4, firstBackoffMs: 100, maxBackoffMs: 800 };
const decoder = new TextDecoder();

/** A gateway that records what each connection got, with per-call behaviour from `behave`. */
function recordingGateway(
  behave: (connectionId: string, attempt: number) => 'ok' | 'gone' | Error = () => 'ok',
) {
  const received = new Map<string, string[]>();
  const attempts = new Map<string, number>();
  let inFlight = 0;
  let peak = 0;
  const gateway: ConnectionGateway = {
    post: async (connectionId, data) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      const attempt = (attempts.get(connectionId) ?? 0) + 1;
      attempts.set(connectionId, attempt);
      const outcome = behave(connectionId, attempt);
      if (outcome instanceof Error) throw outcome;
      if (outcome === 'gone') return 'gone';
      received.set(connectionId, [
        ...(received.get(connectionId) ?? []),
        typeof data === 'string' ? data : decoder.decode(data),
      ]);
      return 'delivered';
    },
    disconnect: async () => 'delivered',
    probe: async () => 'open',
  };
  return { gateway, received, peak: () => peak };
}

function depsWith(gateway: ConnectionGateway, budget: PostBudget = { reserve: async () => 0 }) {
  let clock = 0;
  const sleeps: number[] = [];
  const warnings: string[] = [];
  const deps: PostingDeps = {
    gateway,
    budget,
    logger: { info: () => undefined, warn: (message) => void warnings.push(message), error: () => undefined },
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
  };
  return { deps, sleeps, warnings };
}

const ids = (count: number) => Array.from({ length: count }, (_, index) => `c${index}`);
const frames = [{ data: 'one' }, { data: 'two' }, { data: 'three' }];

describe('postFrames', () => {
  it('gives every recipient every frame in order, with no more posts in flight than the limit', async () => {
    // Prepare
    const { gateway, received, peak } = recordingGateway();
    const { deps } = depsWith(gateway);

    // Act
    const report = await postFrames(deps, rules, ids(50), frames, 10_000);

    // Assess
    expect(report).toEqual({ posted: 150, gone: [], undelivered: [], rejected: 0 });
    for (const id of ids(50)) expect(received.get(id)).toEqual(['one', 'two', 'three']);
    expect(peak()).toBe(4);
  });

  it('leaves a frame out for its excluded recipient only', async () => {
    // Prepare
    const { gateway, received } = recordingGateway();
    const { deps } = depsWith(gateway);

    // Act
    await postFrames(deps, rules, ['a', 'b'], [{ data: 'x', exclude: 'a' }, { data: 'y' }], 10_000);

    // Assess
    expect(received.get('a')).toEqual(['y']);
    expect(received.get('b')).toEqual(['x', 'y']);
  });

  it('pays for every post from the budget, in reservations of at most 100, and waits as it says', async () => {
    // Prepare
    const reservations: number[] = [];
    const budget: PostBudget = {
      reserve: async (posts) => {
        reservations.push(posts);
        return 250;
      },
    };
    const { gateway } = recordingGateway();
    const { deps, sleeps } = depsWith(gateway, budget);

    // Act
    await postFrames(deps, rules, ids(70), frames, 60_000);

    // Assess
    expect(reservations.reduce((sum, posts) => sum + posts, 0)).toBe(210);
    expect(Math.max(...reservations)).toBeLessThanOrEqual(100);
    expect(sleeps).toEqual(reservations.map(() => 250));
  });

  it('retries a throttled recipient from the frame that failed, with growing pauses, keeping its order', async () => {
    // Prepare
    const { gateway, received } = recordingGateway((id, attempt) =>
      id === 'c1' && attempt >= 2 && attempt <= 4 ? new ConnectionThrottledError('429') : 'ok',
    );
    const { deps, sleeps } = depsWith(gateway);

    // Act
    const report = await postFrames(deps, rules, ids(3), frames, 60_000);

    // Assess
    expect(report.undelivered).toEqual([]);
    expect(received.get('c1')).toEqual(['one', 'two', 'three']);
    expect(sleeps).toHaveLength(3);
    // Jittered between half and all of 100, 200, 400 ms.
    sleeps.forEach((pause, index) => {
      expect(pause).toBeGreaterThanOrEqual((100 * 2 ** index) / 2);
      expect(pause).toBeLessThanOrEqual(100 * 2 ** index);
    });
  });

  it('reports a recipient still failing at the deadline as undelivered, and the others as delivered', async () => {
    // Prepare
    const { gateway, received } = recordingGateway((id) =>
      id === 'c2' ? new Error('socket hang up') : 'ok',
    );
    const { deps, warnings } = depsWith(gateway);

    // Act
    const report = await postFrames(deps, rules, ids(4), frames, 3_000);

    // Assess
    expect(report.undelivered).toEqual(['c2']);
    expect(received.get('c3')).toEqual(['one', 'two', 'three']);
    expect(warnings).toContain('post still failing at the deadline');
  });

  it('stops posting to a gone recipient and reports it once', async () => {
    // Prepare
    const { gateway, received } = recordingGateway((id) => (id === 'c0' ? 'gone' : 'ok'));
    const { deps } = depsWith(gateway);

    // Act
    const report = await postFrames(deps, rules, ids(2), frames, 10_000);

    // Assess
    expect(report.gone).toEqual(['c0']);
    expect(received.get('c0')).toBeUndefined();
    expect(received.get('c1')).toHaveLength(3);
  });

  it('skips a frame refused for good and goes on with the next', async () => {
    // Prepare
    const { gateway, received } = recordingGateway((id, attempt) =>
      id === 'c0' && attempt === 2 ? new PostRejectedError('413') : 'ok',
    );
    const { deps, sleeps } = depsWith(gateway);

    // Act
    const report = await postFrames(deps, rules, ['c0'], frames, 10_000);

    // Assess
    expect(report.rejected).toBe(1);
    expect(received.get('c0')).toEqual(['one', 'three']);
    expect(sleeps).toEqual([]);
  });

  it('gives everyone left back when the budget is spent past the deadline, rather than sleeping through it', async () => {
    // Prepare
    const { gateway } = recordingGateway();
    const { deps, sleeps } = depsWith(gateway, { reserve: async () => 120_000 });

    // Act
    const report = await postFrames(deps, rules, ids(150), [{ data: 'x' }], 20_000);

    // Assess
    expect(report.undelivered).toHaveLength(150);
    expect(report.posted).toBe(0);
    expect(sleeps).toEqual([]);
  });
});
