/**
 * One Lambda function run in this process. Each function is a single warm instance: its module was
 * imported once, so module-scope clients and caches are shared by every invocation, and concurrent
 * invocations interleave on one event loop instead of getting one instance each.
 */
import type { Context } from 'aws-lambda';
import { fail, ok, type Result } from '../../lambdas/core/result.ts';
import { InvocationTimeoutError } from '../errors.ts';
import { createLambdaContext } from './lambda-context.ts';

/** An async Lambda handler (callback-style handlers are not supported, as on the nodejs24.x runtime). */
// biome-ignore lint/suspicious/noExplicitAny: handlers declare their own event and result types
export type LambdaHandler = (event: any, context: Context) => unknown;

/** Why an invocation failed: what the handler threw (or the timeout), and whether it timed out. */
export interface InvocationFailure {
  readonly cause: Error;
  readonly timedOut: boolean;
}

/** What the handler returned, or why it did not. */
export type InvocationResult = Result<unknown, InvocationFailure>;

export interface LocalFunction {
  readonly name: string;
  invoke(event: unknown): Promise<InvocationResult>;
}

export interface LocalFunctionProps {
  /**
   * Milliseconds after which the invocation counts as failed. The handler keeps running in the
   * background (a process cannot stop a promise); Lambda would freeze or kill it.
   * @default 29000 (API Gateway's integration timeout)
   */
  readonly timeoutMs?: number;
  /** @default 'us-east-1' */
  readonly region?: string;
}

export function createLocalFunction(
  name: string,
  handler: LambdaHandler,
  props: LocalFunctionProps = {},
): LocalFunction {
  const timeoutMs = props.timeoutMs ?? 29_000;
  return {
    name,
    async invoke(event) {
      const context = createLambdaContext({
        functionName: name,
        timeoutMs,
        ...(props.region ? { region: props.region } : {}),
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<InvocationResult>((resolve) => {
        timer = setTimeout(
          () =>
            resolve(
              fail({
                timedOut: true,
                cause: new InvocationTimeoutError(`function ${name} did not finish within ${timeoutMs} ms`),
              }),
            ),
          timeoutMs,
        );
      });
      const run = (async (): Promise<InvocationResult> => {
        try {
          return ok(await handler(event, context));
        } catch (error) {
          return fail({ timedOut: false, cause: error instanceof Error ? error : new Error(String(error)) });
        }
      })();
      try {
        return await Promise.race([run, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
