/**
 * GetQueueAttributes: a queue's settings and approximate counts under SQS's attribute names, all of
 * them strings. Settings this emulator does not model answer SQS's defaults.
 */
import { ok, type Result } from '../../lambdas/core/result.ts';
import type { FifoQueue } from './fifo-queue.ts';
import { type SqsFault, sqsFault } from './sqs-faults.ts';

const seconds = (epochMs: number) => String(Math.floor(epochMs / 1000));

const attributes: Readonly<Record<string, (queue: FifoQueue) => string | undefined>> = {
  QueueArn: (queue) => queue.arn,
  ApproximateNumberOfMessages: (queue) => String(queue.counts().visible),
  ApproximateNumberOfMessagesNotVisible: (queue) => String(queue.counts().inFlight),
  ApproximateNumberOfMessagesDelayed: () => '0',
  CreatedTimestamp: (queue) => seconds(queue.createdAt),
  LastModifiedTimestamp: (queue) => seconds(queue.createdAt),
  VisibilityTimeout: (queue) => String(queue.visibilityTimeoutSeconds),
  MaximumMessageSize: (queue) => String(queue.maximumMessageSizeBytes),
  MessageRetentionPeriod: () => '345600',
  DelaySeconds: () => '0',
  ReceiveMessageWaitTimeSeconds: () => '0',
  FifoQueue: () => 'true',
  ContentBasedDeduplication: (queue) => String(queue.contentBasedDeduplication),
  DeduplicationScope: (queue) => queue.deduplicationScope,
  FifoThroughputLimit: (queue) =>
    queue.deduplicationScope === 'messageGroup' ? 'perMessageGroupId' : 'perQueue',
  RedrivePolicy: (queue) =>
    queue.redrive &&
    JSON.stringify({
      deadLetterTargetArn: queue.redrive.deadLetterQueue.arn,
      maxReceiveCount: queue.redrive.maxReceiveCount,
    }),
  SqsManagedSseEnabled: () => 'false',
};

/** The attributes named (`All` for every one); an unknown name is a fault. */
export function queueAttributes(
  queue: FifoQueue,
  names: readonly string[],
): Result<Record<string, string>, SqsFault> {
  const wanted = names.includes('All') ? Object.keys(attributes) : names;
  const result: Record<string, string> = {};
  for (const name of wanted) {
    const read = attributes[name];
    if (!read) return sqsFault('InvalidAttributeName', `Unknown Attribute ${name}.`);
    const value = read(queue);
    if (value !== undefined) result[name] = value;
  }
  return ok(result);
}
