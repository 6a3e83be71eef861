/**
 * A Lambda event source mapping on a FIFO queue: receives batches and invokes a function with
 * Lambda-shaped `SQSEvent`s, as Lambda's pollers do.
 *
 * - A batch is one receive (see fifo-queue.ts): up to `batchSize` messages, as many of one group as
 *   there are before the next group's, in order within each group. While a batch holds a group's
 *   messages no other batch gets that group, so one group is processed by one invocation at a time,
 *   in order; different groups run concurrently, up to `maxConcurrency` invocations.
 * - `ReportBatchItemFailures`: the messages named in `batchItemFailures`, and every later message of
 *   the same group in the batch (Lambda's rule for FIFO, so a group never skips ahead), stay in flight
 *   and come back after the visibility timeout; the rest are deleted. An empty, null or missing list
 *   is a complete success; a list that is not an array, or an `itemIdentifier` that names no message
 *   of the batch, fails the whole batch. A thrown error or a timeout fails the whole batch.
 * - Redrive after `maxReceiveCount` is the queue's (fifo-queue.ts), as on AWS.
 *
 * Event-driven: a send, a delete or a visibility change wakes the poller, and a timer is armed for
 * the moment the next in-flight message becomes visible again. Nothing polls on an interval.
 *
 * Differences from Lambda: batches are taken as soon as messages arrive (no batching window, no
 * gradual scaling of pollers: concurrency goes straight to what the groups and `maxConcurrency`
 * allow); the queue is read in process, so there are no ReceiveMessage calls, long polls or
 * throttling; a late invocation that deletes a message received again since gets
 * `ReceiptHandleIsInvalid` and the message stays (logged), where Lambda's outcome is unspecified.
 */
import type { SQSEvent } from 'aws-lambda';
import { LocalQueueError } from '../errors.ts';
import type { InvocationResult, LocalFunction } from '../lambda/local-function.ts';
import { describeError, type LocalLogger, silentLogger } from '../logger.ts';
import type { FifoQueue, ReceivedMessage } from './fifo-queue.ts';
import { toSqsRecord } from './sqs-records.ts';

export interface QueuePollerProps {
  readonly queue: FifoQueue;
  readonly target: LocalFunction;
  /** Messages per invocation, 1 to 10 for a FIFO queue. @default 10 */
  readonly batchSize?: number;
  /** The mapping's `ScalingConfig.MaximumConcurrency`, 2 to 1000. @default 1000 */
  readonly maxConcurrency?: number;
  /** Whether the mapping has `FunctionResponseTypes: ['ReportBatchItemFailures']`. @default true */
  readonly reportBatchItemFailures?: boolean;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default silent */
  readonly logger?: LocalLogger;
  /** Called after each invocation has ended and its messages were deleted or left to come back. */
  readonly onInvocationEnd?: () => void;
}

export interface QueuePoller {
  /** Invocations running now. */
  activeInvocations(): number;
  /** Takes no more batches and waits for the invocations running. Safe to call twice. */
  stop(): Promise<void>;
}

export function startQueuePoller(props: QueuePollerProps): QueuePoller {
  const { queue, target } = props;
  const batchSize = props.batchSize ?? 10;
  const maxConcurrency = props.maxConcurrency ?? 1000;
  const reportBatchItemFailures = props.reportBatchItemFailures ?? true;
  const region = props.region ?? 'us-east-1';
  const logger = props.logger ?? silentLogger;
  checkRange('batchSize', batchSize, 1, 10);
  checkRange('maxConcurrency', maxConcurrency, 2, 1000);

  const running = new Set<Promise<void>>();
  let stopped = false;
  let pumpScheduled = false;
  let timer: NodeJS.Timeout | undefined;
  let timerAt: number | undefined;

  const schedulePump = () => {
    if (pumpScheduled || stopped) return;
    pumpScheduled = true;
    // Coalesces the notifications of one synchronous burst (a batch of sends) into one pass.
    queueMicrotask(() => {
      pumpScheduled = false;
      pump();
    });
  };

  const pump = () => {
    if (stopped) return;
    while (running.size < maxConcurrency) {
      const messages = queue.receive(batchSize);
      if (messages.length === 0) break;
      const invocation = deliver(messages)
        .catch((error) => logger.error(`SQS ${queue.name} → ${target.name}: ${describeError(error)}`))
        .finally(() => {
          running.delete(invocation);
          schedulePump();
          props.onInvocationEnd?.();
        });
      running.add(invocation);
    }
    armVisibilityTimer();
  };

  const armVisibilityTimer = () => {
    const at = queue.nextVisibilityAt();
    if (at === timerAt) return;
    clearTimeout(timer);
    timer = undefined;
    timerAt = at;
    if (at === undefined) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        timerAt = undefined;
        pump();
      },
      Math.max(0, at - queue.now()),
    );
    timer.unref();
  };

  const deliver = async (messages: ReceivedMessage[]) => {
    const event: SQSEvent = { Records: messages.map((message) => toSqsRecord(message, queue.arn, region)) };
    const result = await target.invoke(event);
    const retried = messagesToRetry(result, messages);
    for (const message of messages) {
      if (retried.has(message.messageId)) continue;
      const deleted = queue.delete(message.receiptHandle);
      if (!deleted.success) {
        logger.warn(
          `SQS ${queue.name} → ${target.name}: message ${message.messageId} not deleted: ${deleted.error.message}`,
        );
      }
    }
  };

  /** The ids of the messages that stay in flight, to come back after the visibility timeout. */
  const messagesToRetry = (result: InvocationResult, messages: ReceivedMessage[]): Set<string> => {
    const all = new Set(messages.map((message) => message.messageId));
    const describe = `a batch of ${messages.length} from ${queue.name}`;
    if (!result.success) {
      logger.warn(
        `${target.name} failed on ${describe}: ${describeError(result.error.cause)}; the batch comes back after the visibility timeout`,
      );
      return all;
    }
    if (!reportBatchItemFailures) return new Set();
    const response = result.data;
    if (response === null || typeof response !== 'object') return new Set();
    const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
    if (failures === undefined || failures === null) return new Set();
    const failed = new Set<string>();
    for (const failure of Array.isArray(failures) ? failures : [undefined]) {
      const id = (failure as { itemIdentifier?: unknown } | null | undefined)?.itemIdentifier;
      if (typeof id !== 'string' || !all.has(id)) {
        logger.warn(
          `${target.name} returned batchItemFailures that do not name messages of ${describe}; the whole batch comes back after the visibility timeout`,
        );
        return all;
      }
      failed.add(id);
    }
    if (failed.size === 0) return failed;
    const heldGroups = new Set<string>();
    const retried = new Set<string>();
    for (const message of messages) {
      const group = message.attributes.MessageGroupId;
      if (failed.has(message.messageId) || heldGroups.has(group)) {
        heldGroups.add(group);
        retried.add(message.messageId);
      }
    }
    logger.warn(
      `${target.name} reported ${failed.size} failed message(s) of ${describe}; ${retried.size} come back after the visibility timeout`,
    );
    return retried;
  };

  const unsubscribe = queue.subscribe(schedulePump);
  schedulePump();

  return {
    activeInvocations: () => running.size,
    async stop() {
      stopped = true;
      unsubscribe();
      clearTimeout(timer);
      await Promise.allSettled([...running]);
    },
  };
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new LocalQueueError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}
