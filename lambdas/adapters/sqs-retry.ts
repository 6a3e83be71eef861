/**
 * Hands a failed batch back to its queue soon. Lambda leaves a failed message invisible for the whole
 * visibility timeout (six times the function's timeout, minutes), and in a FIFO queue nothing after it
 * in its group moves meanwhile: a room would stall. Shortening the message's visibility brings it back
 * after a short, growing pause instead.
 */
import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly receiveCount: number;
}

/** Seconds before the next attempt: 1, 2, 4 … up to 60, by how often the message was received. */
export function retryDelaySeconds(receiveCount: number): number {
  return Math.min(60, 2 ** Math.max(0, receiveCount - 1));
}

export async function retrySoon(
  client: SQSClient,
  queueUrl: string,
  messages: readonly ReceivedMessage[],
): Promise<void> {
  for (let start = 0; start < messages.length; start += 10) {
    const batch = messages.slice(start, start + 10);
    await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.receiptHandle,
          VisibilityTimeout: retryDelaySeconds(message.receiveCount),
        })),
      }),
    );
  }
}
