/**
 * Scheduled functions (`scheduledFunctions` in lambdas/functions.ts): what an EventBridge rule does on
 * AWS, a timer does here. Each function gets its own timer and is invoked with an EventBridge-shaped
 * `Scheduled Event`.
 *
 * Differences from EventBridge: the next run is timed from the end of the previous one, so runs of one
 * function never overlap (EventBridge fires on the clock and Lambda may run two at once); the first run
 * comes one interval after start; a failed run is logged and not retried (EventBridge retries
 * asynchronous invocations twice).
 */
import { randomUUID } from 'node:crypto';
import { LocalStackError } from '../errors.ts';
import { describeError, type LocalLogger, silentLogger } from '../logger.ts';
import type { LocalFunction } from './local-function.ts';

/** The event EventBridge sends a scheduled rule's target (`aws-lambda`'s `ScheduledEvent`). */
export interface ScheduledEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'Scheduled Event';
  readonly source: 'aws.events';
  readonly account: string;
  /** ISO time without milliseconds, e.g. `2024-02-09T10:00:00Z`. */
  readonly time: string;
  readonly region: string;
  /** The rule's ARN. */
  readonly resources: readonly string[];
  readonly detail: Record<string, never>;
}

export interface ScheduledEventProps {
  readonly ruleName: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly accountId?: string;
  /** Epoch milliseconds. @default Date.now() */
  readonly now?: number;
}

export function scheduledEvent(props: ScheduledEventProps): ScheduledEvent {
  const region = props.region ?? 'us-east-1';
  const account = props.accountId ?? '000000000000';
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account,
    time: new Date(props.now ?? Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:${account}:rule/${props.ruleName}`],
    detail: {},
  };
}

export interface Schedule {
  readonly target: LocalFunction;
  /** Milliseconds between the end of one run and the start of the next. */
  readonly intervalMs: number;
}

export interface ScheduleProps {
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly accountId?: string;
  /** Prefix of the rule names in the events' `resources`. @default 'parley-local' */
  readonly rulePrefix?: string;
  /** @default silent */
  readonly logger?: LocalLogger;
}

export interface Schedules {
  /** Completed runs per function name (test hook). */
  runs(name: string): number;
  /** Clears every timer and waits for runs in progress. Safe to call twice. */
  stop(): Promise<void>;
}

export function startSchedules(schedules: readonly Schedule[], props: ScheduleProps = {}): Schedules {
  const logger = props.logger ?? silentLogger;
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  const completed = new Map<string, number>();
  let stopped = false;

  for (const schedule of schedules) {
    if (!(schedule.intervalMs > 0)) {
      throw new LocalStackError(
        `the interval of ${schedule.target.name} must be positive, got ${schedule.intervalMs}`,
      );
    }
  }

  const run = async (schedule: Schedule): Promise<void> => {
    const { name } = schedule.target;
    const event = scheduledEvent({
      ruleName: `${props.rulePrefix ?? 'parley-local'}-${name}`,
      ...(props.region ? { region: props.region } : {}),
      ...(props.accountId ? { accountId: props.accountId } : {}),
    });
    const result = await schedule.target.invoke(event);
    if (!result.success) logger.warn(`scheduled ${name} failed: ${describeError(result.error.cause)}`);
    completed.set(name, (completed.get(name) ?? 0) + 1);
  };

  const arm = (schedule: Schedule) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(schedule.target.name);
      const invocation = run(schedule).finally(() => {
        running.delete(invocation);
        arm(schedule);
      });
      running.add(invocation);
    }, schedule.intervalMs);
    timers.set(schedule.target.name, timer);
  };

  for (const schedule of schedules) arm(schedule);

  return {
    runs: (name) => completed.get(name) ?? 0,
    async stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running]);
    },
  };
}
