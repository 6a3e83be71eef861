import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { type FunctionName, scheduledFunctions } from '../lambdas/functions.ts';

export interface SchedulesProps {
  /** Every catalogue function; the ones in `scheduledFunctions` are taken from it. */
  readonly functions: Readonly<Record<FunctionName, IFunction>>;
}

/**
 * One EventBridge rule per entry of the catalogue's `scheduledFunctions` (the local stack runs the same
 * entries on a timer). EventBridge rates are whole minutes, so an interval that is not a multiple of
 * 60 s fails at synth.
 *
 * A failed run is not retried, neither by EventBridge nor by Lambda's asynchronous retries: the next run
 * comes one interval later and does the same work with fresher data, while a retry would overlap it.
 */
export class Schedules extends Construct {
  readonly rules: Partial<Record<FunctionName, Rule>> = {};

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);

    for (const [name, schedule] of Object.entries(scheduledFunctions) as [
      FunctionName,
      { readonly everySeconds: number },
    ][]) {
      const fn = props.functions[name];
      fn.configureAsyncInvoke({ retryAttempts: 0 });
      this.rules[name] = new Rule(this, `${name}Schedule`, {
        description: `Runs ${name} every ${schedule.everySeconds} s`,
        schedule: Schedule.rate(Duration.seconds(schedule.everySeconds)),
        targets: [new LambdaFunction(fn, { retryAttempts: 0 })],
      });
    }
  }
}
