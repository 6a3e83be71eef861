/**
 * A LocalFunction backed by an in-test handler that records every event and lets a test await the
 * next call instead of sleeping.
 */
import {
  createLocalFunction,
  type LambdaHandler,
  type LocalFunction,
} from '../../../local/lambda/local-function.ts';

export interface RecordingFunction<E = Record<string, unknown>> extends LocalFunction {
  readonly events: E[];
  /** Resolves with the first recorded event (past or future) that matches. */
  waitForEvent(predicate?: (event: E) => boolean, timeoutMs?: number): Promise<E>;
}

export function recordingFunction<E = Record<string, unknown>>(
  name: string,
  handler: (event: E) => unknown = () => ({ statusCode: 200 }),
  timeoutMs?: number,
): RecordingFunction<E> {
  const events: E[] = [];
  const waiters: { predicate: (event: E) => boolean; resolve: (event: E) => void }[] = [];
  const record: LambdaHandler = async (event: E) => {
    events.push(event);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(event)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
    return handler(event);
  };
  const local = createLocalFunction(name, record, timeoutMs === undefined ? {} : { timeoutMs });
  return {
    ...local,
    events,
    waitForEvent(predicate = () => true, waitMs = 5_000) {
      const found = events.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise<E>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(
            new Error(
              `${name} was not invoked with a matching event within ${waitMs} ms (${events.length} events so far)`,
            ),
          );
        }, waitMs);
        const waiter = {
          predicate,
          resolve: (event: E) => {
            clearTimeout(timer);
            resolve(event);
          },
        };
        waiters.push(waiter);
      });
    },
  };
}
