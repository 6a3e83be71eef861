/**
 * What SQS checks in a message sent to a FIFO queue before it enqueues it: the body's characters and
 * size, the group and deduplication ids, and that no per-message delay is asked for. Messages are
 * worded as SQS words them, so a log line reads the same locally and on AWS.
 */
import { createHash } from 'node:crypto';
import { ok, type Result } from '../../lambdas/core/result.ts';
import {
  type MessageAttributes,
  messageAttributesSize,
  parseMessageAttributes,
} from './message-attributes.ts';
import { type SqsFault, sqsFault } from './sqs-faults.ts';

/** A message as a caller hands it to SendMessage or one SendMessageBatch entry. */
export interface SendMessageInput {
  readonly body?: string | undefined;
  readonly groupId?: string | undefined;
  readonly deduplicationId?: string | undefined;
  readonly delaySeconds?: number | undefined;
  /** The request's `MessageAttributes`, unchecked. */
  readonly messageAttributes?: unknown;
  /** Who sent it (`SenderId`). @default the queue's account id */
  readonly senderId?: string | undefined;
}

/** A message that passed every check, ready to enqueue. */
export interface CheckedMessage {
  readonly body: string;
  readonly groupId: string;
  readonly deduplicationId: string;
  readonly messageAttributes: MessageAttributes;
  /** Body and attributes, as counted against the size limit. */
  readonly size: number;
}

export interface MessageRules {
  readonly contentBasedDeduplication: boolean;
  readonly maximumMessageSizeBytes: number;
}

/** 256 KiB, SQS's maximum message (and batch) size. */
export const defaultMaximumMessageSizeBytes = 262_144;

const allowedCharacters = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const disallowedCharacter = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
/** Alphanumerics and punctuation, 1 to 128 characters: the rule for both FIFO ids. */
const fifoIdPattern = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/;

export function checkMessage(input: SendMessageInput, rules: MessageRules): Result<CheckedMessage, SqsFault> {
  const { body } = input;
  if (body === undefined || body.length === 0) {
    return sqsFault('MissingParameter', 'The request must contain the parameter MessageBody.');
  }
  if (!allowedCharacters.test(body)) {
    const bad = (body.match(disallowedCharacter)?.[0] ?? '').codePointAt(0) ?? 0;
    return sqsFault(
      'InvalidParameterValue',
      `Invalid binary character '#x${bad.toString(16).toUpperCase()}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`,
    );
  }
  if (input.delaySeconds !== undefined && input.delaySeconds !== 0) {
    return sqsFault(
      'InvalidParameterValue',
      `Value ${input.delaySeconds} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.`,
    );
  }
  const attributes = parseMessageAttributes(input.messageAttributes);
  if (!attributes.success) return attributes;
  const size = Buffer.byteLength(body, 'utf8') + messageAttributesSize(attributes.data);
  if (size > rules.maximumMessageSizeBytes) {
    return sqsFault(
      'InvalidParameterValue',
      `One or more parameters are invalid. Reason: Message must be shorter than ${rules.maximumMessageSizeBytes} bytes.`,
    );
  }
  const { groupId } = input;
  if (groupId === undefined || groupId.length === 0) {
    return sqsFault('MissingParameter', 'The request must contain the parameter MessageGroupId.');
  }
  if (!fifoIdPattern.test(groupId)) return invalidId('MessageGroupId', groupId);
  let deduplicationId = input.deduplicationId;
  if (deduplicationId === undefined || deduplicationId.length === 0) {
    if (!rules.contentBasedDeduplication) {
      return sqsFault(
        'InvalidParameterValue',
        'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
      );
    }
    deduplicationId = createHash('sha256').update(body, 'utf8').digest('hex');
  } else if (!fifoIdPattern.test(deduplicationId)) {
    return invalidId('MessageDeduplicationId', deduplicationId);
  }
  return ok({ body, groupId, deduplicationId, messageAttributes: attributes.data, size });
}

/** SQS's `MD5OfMessageBody` / `MD5OfBody`. */
export function md5OfBody(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex');
}

function invalidId(parameter: string, value: string) {
  return sqsFault(
    'InvalidParameterValue',
    `Value ${value} for parameter ${parameter} is invalid. Reason: it must be 1 to 128 alphanumeric or punctuation characters.`,
  );
}
