import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type ScheduledEvent,
  type Schedules,
  scheduledEvent,
  startSchedules,
} from '../../../local/lambda/schedules.ts';
import { createLocalLogger } from '../../../local/logger.ts';
import { recordingFunction } from '../support/recording-function.ts';

describe('scheduled functions', () => {
  let schedules: Schedules | undefined;
  afterEach(async () => {
    await schedules?.stop();
    schedules = undefined;
    vi.useRealTimers();
  });

  it('invokes the function with an EventBridge Scheduled Event once per interval', async () => {
    // Prepare
    const sweeper = recordingFunction<ScheduledEvent>('sweeper');

    // Act
    schedules = startSchedules([{ target: sweeper, intervalMs: 20 }], {
      region: 'eu-west-1',
      accountId: '123456789012',
      rulePrefix: 'parley-test',
    });
    await sweeper.waitForEvent(() => sweeper.events.length >= 2);

    // Assess
    const [first, second] = sweeper.events as [ScheduledEvent, ScheduledEvent];
    expect(first).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'eu-west-1',
      resources: ['arn:aws:events:eu-west-1:123456789012:rule/parley-test-sweeper'],
      detail: {},
    });
    expect(second.id).not.toBe(first.id);
  });

  it('starts the next run only after the previous one finished', async () => {
    // Prepare
    vi.useFakeTimers();
    let active = 0;
    let mostActive = 0;
    const slow = recordingFunction('sweeper', async () => {
      active++;
      mostActive = Math.max(mostActive, active);
      await new Promise((resolve) => setTimeout(resolve, 100));
      active--;
    });

    // Act
    schedules = startSchedules([{ target: slow, intervalMs: 10 }]);
    await vi.advanceTimersByTimeAsync(1_000);
    const stopping = schedules.stop();
    await vi.advanceTimersByTimeAsync(100); // lets the run in progress finish
    await stopping;

    // Assess
    expect(mostActive).toBe(1);
    expect(slow.events.length).toBeGreaterThanOrEqual(8); // about one per 110 ms
    expect(slow.events.length).toBeLessThanOrEqual(10);
  });

  it('waits for a run in progress on stop and never runs again', async () => {
    // Prepare
    vi.useFakeTimers();
    let finish: () => void = () => undefined;
    const sweeper = recordingFunction(
      'sweeper',
      () =>
        new Promise<void>((resolve) => {
          finish = resolve;
        }),
    );
    schedules = startSchedules([{ target: sweeper, intervalMs: 50 }]);
    await vi.advanceTimersByTimeAsync(50);
    expect(sweeper.events).toHaveLength(1);

    // Act
    let stopped = false;
    const stopping = schedules.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(10);
    const stoppedBeforeTheRunEnded = stopped;
    finish();
    await stopping;
    await vi.advanceTimersByTimeAsync(1_000);

    // Assess
    expect(stoppedBeforeTheRunEnded).toBe(false);
    expect(sweeper.events).toHaveLength(1);
    expect(schedules.runs('sweeper')).toBe(1);
  });

  it('logs a failed run by the error name and message and keeps the schedule', async () => {
    // Prepare
    const lines: string[] = [];
    const failing = recordingFunction('sweeper', () => {
      throw new TypeError('table missing');
    });

    // Act
    schedules = startSchedules([{ target: failing, intervalMs: 10 }], {
      logger: createLocalLogger('info', (line) => lines.push(line)),
    });
    await failing.waitForEvent(() => failing.events.length >= 2);

    // Assess
    expect(lines[0]).toBe('[parley-local] WARN scheduled sweeper failed: TypeError: table missing');
  });

  it.each([0, -1, Number.NaN])('refuses an interval of %d ms', (intervalMs) => {
    // Act / Assess
    expect(() => startSchedules([{ target: recordingFunction('sweeper'), intervalMs }])).toThrow(
      expect.objectContaining({
        name: 'LocalStackError',
        message: expect.stringMatching(/interval of sweeper must be positive/),
      }),
    );
  });

  it('stamps the event time in whole seconds, as EventBridge does', () => {
    // Act
    const event = scheduledEvent({ ruleName: 'rule', now: Date.UTC(2024, 1, 9, 10, 0, 0, 789) });

    // Assess
    expect(event.time).toBe('2024-02-09T10:00:00Z');
    expect(event.resources).toEqual(['arn:aws:events:us-east-1:000000000000:rule/rule']);
  });
});
