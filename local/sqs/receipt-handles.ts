/**
 * Receipt handles: opaque to callers, they name the queue, the message and which receive of it they
 * were issued for, so a handle from an earlier receive can be told from the current one without
 * keeping every handle ever issued.
 */
import { randomUUID } from 'node:crypto';

export function issueReceiptHandle(queueName: string, messageId: string, receiveCount: number): string {
  const nonce = randomUUID().slice(0, 8);
  return Buffer.from(`${queueName} ${messageId} ${receiveCount} ${nonce}`).toString('base64url');
}

/** What a handle was issued for; `undefined` when it is not a handle `queueName` issued. */
export function parseReceiptHandle(
  handle: string,
  queueName: string,
): { readonly messageId: string; readonly receiveCount: number } | undefined {
  const [queue, messageId, count, nonce, ...rest] = Buffer.from(handle, 'base64url')
    .toString('utf8')
    .split(' ');
  const receiveCount = Number(count);
  if (queue !== queueName || !messageId || !nonce || rest.length > 0 || !Number.isInteger(receiveCount)) {
    return undefined;
  }
  return { messageId, receiveCount };
}
