/**
 * One Amazon SQS FIFO queue, in memory. What it keeps of SQS's documented behaviour:
 *
 * - Messages of one group are delivered in the order they were sent, and while any message of a group
 *   is in flight nothing more of that group is delivered: a message that comes back after its
 *   visibility timeout is again the head of its group. Groups are independent of each other.
 * - A receive takes as many messages of one group as it can before it turns to the next group (the
 *   group whose head was sent first); each message received becomes invisible for the visibility
 *   timeout and counts one more `ApproximateReceiveCount`.
 * - With a redrive policy, a message received `maxReceiveCount` times that comes up again is moved to
 *   the dead-letter queue instead of being delivered.
 * - Deduplication: see deduplication-window.ts; checks on a message: see message-rules.ts.
 *
 * Not kept: message retention (messages stay until deleted), queue-level delays, throughput quotas.
 * Time is read from `now`, so tests can move it; nothing here sets a timer: callers that wait for
 * messages to come back ask `nextVisibilityAt()` and are told of every change through `subscribe`.
 */
import { randomUUID } from 'node:crypto';
import { ok, type Result } from '../../lambdas/core/result.ts';
import { type LocalLogger, silentLogger } from '../logger.ts';
import { type DeduplicationScope, DeduplicationWindow } from './deduplication-window.ts';
import { type MessageAttributes, md5OfMessageAttributes } from './message-attributes.ts';
import {
  checkMessage,
  defaultMaximumMessageSizeBytes,
  md5OfBody,
  type SendMessageInput,
} from './message-rules.ts';
import { issueReceiptHandle, parseReceiptHandle } from './receipt-handles.ts';
import { type SqsFault, sqsFault } from './sqs-faults.ts';

export interface FifoQueueProps {
  /** Ends in `.fifo`. */
  readonly name: string;
  readonly arn: string;
  /** Account of the queue, the default `SenderId`. */
  readonly accountId: string;
  /** @default 30 (SQS's default) */
  readonly visibilityTimeoutSeconds?: number;
  /** @default false */
  readonly contentBasedDeduplication?: boolean;
  /** `messageGroup` is high-throughput mode's scope. @default 'queue' */
  readonly deduplicationScope?: DeduplicationScope;
  /** Messages received more than `maxReceiveCount` times move to `deadLetterQueue`. @default none */
  readonly redrive?: { readonly deadLetterQueue: FifoQueue; readonly maxReceiveCount: number };
  /** @default 262144 (256 KiB) */
  readonly maximumMessageSizeBytes?: number;
  /** @default silent */
  readonly logger?: LocalLogger;
}

export interface SentMessage {
  readonly messageId: string;
  readonly sequenceNumber: string;
  readonly md5OfMessageBody: string;
  readonly md5OfMessageAttributes?: string;
  /** A send within the deduplication interval of an earlier one: answered with the earlier message. */
  readonly duplicate: boolean;
}

/** SQS's names, as ReceiveMessage returns them and Lambda's SQS events carry them. */
export interface MessageSystemAttributes {
  readonly ApproximateReceiveCount: string;
  readonly ApproximateFirstReceiveTimestamp: string;
  readonly SentTimestamp: string;
  readonly SenderId: string;
  readonly SequenceNumber: string;
  readonly MessageGroupId: string;
  readonly MessageDeduplicationId: string;
  readonly DeadLetterQueueSourceArn?: string;
}

export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly md5OfMessageAttributes?: string;
  readonly messageAttributes: MessageAttributes;
  readonly attributes: MessageSystemAttributes;
}

export interface QueueCounts {
  /** Not in flight (including messages waiting behind an in-flight message of their group). */
  readonly visible: number;
  readonly inFlight: number;
  readonly total: number;
}

interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly groupId: string;
  readonly deduplicationId: string;
  readonly sequenceNumber: string;
  readonly sentTimestamp: number;
  readonly senderId: string;
  readonly messageAttributes: MessageAttributes;
  readonly deadLetterQueueSourceArn?: string;
  receiveCount: number;
  firstReceiveTimestamp: number | undefined;
  /** Epoch ms until which the message is in flight; in the past when it is visible. */
  invisibleUntil: number;
}

/** A message moved here from a source queue's redrive. */
export type DeadLetter = Pick<
  StoredMessage,
  'messageId' | 'body' | 'groupId' | 'deduplicationId' | 'sentTimestamp' | 'senderId' | 'messageAttributes'
>;

export const maxVisibilityTimeoutSeconds = 43_200;

export class FifoQueue {
  readonly name: string;
  readonly arn: string;
  readonly visibilityTimeoutSeconds: number;
  readonly contentBasedDeduplication: boolean;
  readonly deduplicationScope: DeduplicationScope;
  readonly maximumMessageSizeBytes: number;
  readonly redrive: FifoQueueProps['redrive'];
  /** Epoch ms. */
  readonly createdAt: number;
  private readonly accountId: string;
  private readonly logger: LocalLogger;
  private readonly deduplication: DeduplicationWindow;
  /** Each group's messages in the order they were sent; a group disappears with its last message. */
  private readonly groups = new Map<string, StoredMessage[]>();
  private readonly byId = new Map<string, StoredMessage>();
  private readonly listeners = new Set<() => void>();
  private sequence = 0n;

  constructor(
    props: FifoQueueProps,
    readonly now: () => number = () => Date.now(),
    private readonly newMessageId: () => string = randomUUID,
  ) {
    this.name = props.name;
    this.arn = props.arn;
    this.accountId = props.accountId;
    this.visibilityTimeoutSeconds = props.visibilityTimeoutSeconds ?? 30;
    this.contentBasedDeduplication = props.contentBasedDeduplication ?? false;
    this.deduplicationScope = props.deduplicationScope ?? 'queue';
    this.maximumMessageSizeBytes = props.maximumMessageSizeBytes ?? defaultMaximumMessageSizeBytes;
    this.redrive = props.redrive;
    this.logger = props.logger ?? silentLogger;
    this.deduplication = new DeduplicationWindow(this.deduplicationScope);
    this.createdAt = now();
  }

  send(input: SendMessageInput): Result<SentMessage, SqsFault> {
    const checked = checkMessage(input, this);
    if (!checked.success) return checked;
    const message = checked.data;
    const now = this.now();
    const md5s = {
      md5OfMessageBody: md5OfBody(message.body),
      ...optional('md5OfMessageAttributes', md5OfMessageAttributes(message.messageAttributes)),
    };
    const first = this.deduplication.find(message.groupId, message.deduplicationId, now);
    if (first) return ok({ ...first, ...md5s, duplicate: true });
    const stored = this.enqueue({
      messageId: this.newMessageId(),
      body: message.body,
      groupId: message.groupId,
      deduplicationId: message.deduplicationId,
      sentTimestamp: now,
      senderId: input.senderId ?? this.accountId,
      messageAttributes: message.messageAttributes,
    });
    this.deduplication.remember(message.groupId, message.deduplicationId, stored, now);
    this.notify();
    return ok({
      messageId: stored.messageId,
      sequenceNumber: stored.sequenceNumber,
      ...md5s,
      duplicate: false,
    });
  }

  /** Takes a message moved from `sourceArn`'s queue by its redrive policy: no checks, no deduplication. */
  acceptDeadLetter(message: DeadLetter, sourceArn: string): void {
    this.enqueue({ ...message, deadLetterQueueSourceArn: sourceArn });
    this.notify();
  }

  /**
   * Receives up to `max` messages as SQS does for a FIFO queue, making them invisible for
   * `visibilityTimeoutSeconds`.
   */
  receive(max: number, visibilityTimeoutSeconds = this.visibilityTimeoutSeconds): ReceivedMessage[] {
    const now = this.now();
    const received: ReceivedMessage[] = [];
    let changed = false;
    const open = [...this.groups.values()]
      .filter((group) => !group.some((message) => message.invisibleUntil > now))
      .sort((a, b) => compareSequence(a[0] as StoredMessage, b[0] as StoredMessage));
    for (const group of open) {
      while (received.length < max) {
        const head = group.find((message) => message.invisibleUntil <= now);
        if (!head) break;
        changed = true;
        if (this.redrive && head.receiveCount >= this.redrive.maxReceiveCount) {
          this.moveToDeadLetterQueue(head);
          continue;
        }
        head.receiveCount++;
        head.firstReceiveTimestamp ??= now;
        head.invisibleUntil = now + visibilityTimeoutSeconds * 1000;
        received.push(this.toReceived(head));
      }
      if (received.length >= max) break;
    }
    if (changed) this.notify();
    return received;
  }

  /** Deletes the message a receipt handle was issued for; `gone` when it was deleted already. */
  delete(receiptHandle: string): Result<'deleted' | 'gone', SqsFault> {
    const found = this.findByHandle(receiptHandle);
    if (!found.success) return found;
    if (!found.data) return ok('gone');
    this.remove(found.data);
    this.notify();
    return ok('deleted');
  }

  /** Sets how long the message stays in flight, from now; 0 makes it visible at once. */
  changeVisibility(receiptHandle: string, visibilityTimeoutSeconds: number): Result<void, SqsFault> {
    const found = this.findByHandle(receiptHandle);
    if (!found.success) return found;
    const message = found.data;
    const now = this.now();
    if (!message || message.invisibleUntil <= now) {
      return sqsFault('MessageNotInflight', 'The message referred to is not in flight.');
    }
    message.invisibleUntil = now + visibilityTimeoutSeconds * 1000;
    this.notify();
    return ok(undefined);
  }

  counts(): QueueCounts {
    const now = this.now();
    let inFlight = 0;
    for (const message of this.byId.values()) if (message.invisibleUntil > now) inFlight++;
    return { visible: this.byId.size - inFlight, inFlight, total: this.byId.size };
  }

  /** When the next in-flight message becomes visible again (epoch ms), if any is in flight. */
  nextVisibilityAt(): number | undefined {
    const now = this.now();
    let next: number | undefined;
    for (const message of this.byId.values()) {
      if (message.invisibleUntil > now && (next === undefined || message.invisibleUntil < next)) {
        next = message.invisibleUntil;
      }
    }
    return next;
  }

  /** Calls `listener` after every change (send, receive, delete, visibility); returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private enqueue(message: DeadLetter & { readonly deadLetterQueueSourceArn?: string }): StoredMessage {
    this.sequence++;
    const stored: StoredMessage = {
      ...message,
      // 20 digits, increasing, like SQS's 128-bit sequence numbers (which are not consecutive either).
      sequenceNumber: (10n ** 19n + this.sequence).toString(),
      receiveCount: 0,
      firstReceiveTimestamp: undefined,
      invisibleUntil: 0,
    };
    const group = this.groups.get(stored.groupId);
    if (group) group.push(stored);
    else this.groups.set(stored.groupId, [stored]);
    this.byId.set(stored.messageId, stored);
    return stored;
  }

  private remove(message: StoredMessage): void {
    this.byId.delete(message.messageId);
    const group = this.groups.get(message.groupId);
    if (!group) return;
    group.splice(group.indexOf(message), 1);
    if (group.length === 0) this.groups.delete(message.groupId);
  }

  private moveToDeadLetterQueue(message: StoredMessage): void {
    const redrive = this.redrive as NonNullable<FifoQueueProps['redrive']>;
    this.remove(message);
    redrive.deadLetterQueue.acceptDeadLetter(message, this.arn);
    this.logger.error(
      `SQS ${this.name}: message ${message.messageId} moved to dead-letter queue ${redrive.deadLetterQueue.name} after ${message.receiveCount} receives`,
    );
  }

  /**
   * The message a handle was issued for: `undefined` when it no longer exists; a fault when the handle
   * is not one of ours, or the message has been received again since (only the latest handle counts).
   */
  private findByHandle(receiptHandle: string): Result<StoredMessage | undefined, SqsFault> {
    const parsed = parseReceiptHandle(receiptHandle, this.name);
    if (!parsed) {
      return sqsFault(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`,
      );
    }
    const message = this.byId.get(parsed.messageId);
    if (!message) return ok(undefined);
    if (message.receiveCount !== parsed.receiveCount) {
      return sqsFault(
        'ReceiptHandleIsInvalid',
        `The receipt handle "${receiptHandle}" has expired: the message was received again since.`,
      );
    }
    return ok(message);
  }

  private toReceived(message: StoredMessage): ReceivedMessage {
    return {
      messageId: message.messageId,
      receiptHandle: issueReceiptHandle(this.name, message.messageId, message.receiveCount),
      body: message.body,
      md5OfBody: md5OfBody(message.body),
      ...optional('md5OfMessageAttributes', md5OfMessageAttributes(message.messageAttributes)),
      messageAttributes: message.messageAttributes,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp),
        SentTimestamp: String(message.sentTimestamp),
        SenderId: message.senderId,
        SequenceNumber: message.sequenceNumber,
        MessageGroupId: message.groupId,
        MessageDeduplicationId: message.deduplicationId,
        ...optional('DeadLetterQueueSourceArn', message.deadLetterQueueSourceArn),
      },
    };
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

function compareSequence(a: StoredMessage, b: StoredMessage): number {
  return a.sequenceNumber < b.sequenceNumber ? -1 : a.sequenceNumber > b.sequenceNumber ? 1 : 0;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
