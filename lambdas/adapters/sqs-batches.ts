/**
 * Sends FIFO messages in order through SendMessageBatch: at most 10 entries and 256 KB per call, one
 * call after another, so the queue receives them in the order given. An entry the queue refused fails
 * the whole send (with the entries before it already queued): the caller's own retry sends them again
 * under the same de-duplication ids, which the queue drops as repeats for five minutes.
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { StoreError } from '../core/errors.ts';

export interface FifoMessage {
  readonly body: string;
  readonly groupId: string;
  readonly deduplicationId: string;
}

/** SQS's limits for one SendMessageBatch call. */
export const MAX_BATCH_ENTRIES = 10;
export const MAX_BATCH_BYTES = 256 * 1024;

export async function sendInOrder(
  client: SQSClient,
  queueUrl: string,
  messages: readonly FifoMessage[],
): Promise<void> {
  for (const batch of batchesOf(messages)) {
    const { Failed } = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((message, index) => ({
          Id: String(index),
          MessageBody: message.body,
          MessageGroupId: message.groupId,
          MessageDeduplicationId: message.deduplicationId,
        })),
      }),
    );
    if (Failed && Failed.length > 0) {
      const first = Failed[0];
      throw new StoreError(
        `the queue refused ${Failed.length} of ${batch.length} messages (first: ${first?.Code ?? 'unknown'}: ${first?.Message ?? ''})`,
      );
    }
  }
}

/** Consecutive runs of at most 10 messages and 256 KB; a message alone over the limit is still sent (and refused). */
export function batchesOf(messages: readonly FifoMessage[]): FifoMessage[][] {
  const batches: FifoMessage[][] = [];
  let current: FifoMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = Buffer.byteLength(message.body, 'utf8');
    if (current.length > 0 && (current.length === MAX_BATCH_ENTRIES || bytes + size > MAX_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
