/**
 * SendMessageBatch on a FIFO queue: the batch as a whole is checked first (1 to 10 entries, valid and
 * distinct ids, at most the maximum message size in all), then each entry is sent in order and
 * succeeds or fails on its own, as SQS answers with `Successful` and `Failed`.
 */
import { ok, type Result } from '../../lambdas/core/result.ts';
import type { FifoQueue, SentMessage } from './fifo-queue.ts';
import { messageAttributesSize, parseMessageAttributes } from './message-attributes.ts';
import type { SendMessageInput } from './message-rules.ts';
import { type SqsFault, type SqsFaultCode, sqsFault } from './sqs-faults.ts';

export interface BatchEntry extends SendMessageInput {
  readonly id: string;
}

export interface BatchSuccess extends SentMessage {
  readonly id: string;
}

export interface BatchFailure {
  readonly id: string;
  readonly code: SqsFaultCode;
  readonly message: string;
  /** Always true here: every check a single entry can fail is the caller's fault. */
  readonly senderFault: boolean;
}

export interface BatchOutcome {
  readonly successful: readonly BatchSuccess[];
  readonly failed: readonly BatchFailure[];
}

export const maxBatchEntries = 10;
const entryIdPattern = /^[A-Za-z0-9_-]{1,80}$/;

/** The checks every batch action makes on its entries' count and ids, before looking at any entry. */
export function checkBatchEntryIds(ids: readonly string[], entryName: string): Result<undefined, SqsFault> {
  if (ids.length === 0) {
    return sqsFault('EmptyBatchRequest', `There should be at least one ${entryName} in the request.`);
  }
  if (ids.length > maxBatchEntries) {
    return sqsFault(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${maxBatchEntries}. You have sent ${ids.length}.`,
    );
  }
  const seen = new Set<string>();
  for (const id of ids) {
    if (!entryIdPattern.test(id)) {
      return sqsFault(
        'InvalidBatchEntryId',
        `A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long. Got "${id}".`,
      );
    }
    if (seen.has(id)) return sqsFault('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    seen.add(id);
  }
  return ok(undefined);
}

export function sendMessageBatch(
  queue: FifoQueue,
  entries: readonly BatchEntry[],
): Result<BatchOutcome, SqsFault> {
  const checked = checkBatchEntryIds(
    entries.map((entry) => entry.id),
    'SendMessageBatchRequestEntry',
  );
  if (!checked.success) return checked;
  const size = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
  if (size > queue.maximumMessageSizeBytes) {
    return sqsFault(
      'BatchRequestTooLong',
      `Batch requests cannot be longer than ${queue.maximumMessageSizeBytes} bytes. You have sent ${size} bytes.`,
    );
  }
  const successful: BatchSuccess[] = [];
  const failed: BatchFailure[] = [];
  for (const entry of entries) {
    const sent = queue.send(entry);
    if (sent.success) successful.push({ id: entry.id, ...sent.data });
    else failed.push({ id: entry.id, ...sent.error, senderFault: true });
  }
  return ok({ successful, failed });
}

function entrySize(entry: BatchEntry): number {
  const attributes = parseMessageAttributes(entry.messageAttributes);
  return (
    Buffer.byteLength(entry.body ?? '', 'utf8') +
    (attributes.success ? messageAttributesSize(attributes.data) : 0)
  );
}
