/**
 * The SQS side of the fan-out's two consumers. Records are grouped by FIFO message group (a room, or a
 * room and shard) in the order received; groups are processed side by side, each group's records in
 * order by the consumer. A group that fails is reported back whole (`batchItemFailures`), its messages
 * made visible again after a short pause, so the queue gives them back in the same order; a body that
 * does not parse can never succeed, so it is logged and dropped rather than retried until it reaches
 * the dead-letter queue.
 */
import { createHash } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { retrySoon } from '../adapters/sqs-retry.ts';
import { describeFailure } from '../core/failure.ts';
import type { MalformedBody, Queued } from '../core/fanout-publications.ts';
import type { Logger } from '../core/ports.ts';
import type { Result } from '../core/result.ts';

export interface QueueBatchProps<T> {
  readonly logger: Logger;
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly parse: (body: string) => Result<T, MalformedBody>;
  /**
   * Processes one group's messages in order; 'retry' gives them all back. `batchId` is the same for the
   * same messages received again.
   */
  readonly process: (
    group: string,
    batch: readonly Queued<T>[],
    batchId: string,
  ) => Promise<'done' | 'retry'>;
}

export function createQueueBatchHandler<T>(props: QueueBatchProps<T>) {
  const { logger } = props;
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const groups = new Map<string, SQSRecord[]>();
    for (const record of event.Records) {
      const group = record.attributes.MessageGroupId ?? '';
      groups.set(group, [...(groups.get(group) ?? []), record]);
    }
    const failed: SQSRecord[] = [];
    await Promise.all(
      [...groups].map(async ([group, records]) => {
        const batch: Queued<T>[] = [];
        for (const record of records) {
          const parsed = props.parse(record.body);
          if (!parsed.success) {
            logger.error('dropped a queue message that does not parse', {
              messageId: record.messageId,
              problem: parsed.error.problem,
            });
            continue;
          }
          batch.push({
            id: record.messageId,
            receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1),
            value: parsed.data,
          });
        }
        let result: 'done' | 'retry';
        try {
          result = batch.length === 0 ? 'done' : await props.process(group, batch, batchIdOf(records));
        } catch (error) {
          logger.error('a queue batch failed; it will be retried', {
            group,
            messages: records.length,
            ...describeFailure(error, { includeMessage: true }),
          });
          result = 'retry';
        }
        if (result === 'retry') failed.push(...records);
      }),
    );
    if (failed.length > 0) {
      try {
        await retrySoon(
          props.client,
          props.queueUrl,
          failed.map((record) => ({
            messageId: record.messageId,
            receiptHandle: record.receiptHandle,
            receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1),
          })),
        );
      } catch (error) {
        // They still come back, after the full visibility timeout.
        logger.warn('could not shorten the retry of failed messages', describeFailure(error));
      }
    }
    return { batchItemFailures: failed.map((record) => ({ itemIdentifier: record.messageId })) };
  };
}

/** The same messages give the same id, whichever attempt. */
function batchIdOf(records: readonly SQSRecord[]): string {
  return createHash('sha256')
    .update(records.map((record) => record.messageId).join(','))
    .digest('hex');
}
