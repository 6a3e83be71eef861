/**
 * The FIFO deduplication interval: a deduplication id seen in the last five minutes makes a send a
 * duplicate, accepted but not enqueued, whether or not the first message was since deleted.
 */

export type DeduplicationScope = 'queue' | 'messageGroup';

/** What a duplicate answers: the original message. */
export interface FirstSend {
  readonly messageId: string;
  readonly sequenceNumber: string;
}

/** Five minutes, SQS's fixed deduplication interval. */
export const deduplicationIntervalMs = 5 * 60 * 1000;

export class DeduplicationWindow {
  /** In insertion order, which is also expiry order: every entry lives the same interval. */
  private readonly seen = new Map<string, FirstSend & { readonly expiresAt: number }>();

  constructor(
    private readonly scope: DeduplicationScope,
    private readonly intervalMs = deduplicationIntervalMs,
  ) {}

  /** The first send of this id (in this group, when scoped by group) within the interval, if any. */
  find(groupId: string, deduplicationId: string, now: number): FirstSend | undefined {
    this.forgetExpired(now);
    return this.seen.get(this.key(groupId, deduplicationId));
  }

  remember(groupId: string, deduplicationId: string, first: FirstSend, now: number): void {
    this.seen.set(this.key(groupId, deduplicationId), { ...first, expiresAt: now + this.intervalMs });
  }

  private key(groupId: string, deduplicationId: string): string {
    // A NUL cannot occur in either id (both are printable ASCII), so the pair cannot collide.
    return this.scope === 'messageGroup' ? `${groupId}\u0000${deduplicationId}` : deduplicationId;
  }

  private forgetExpired(now: number): void {
    for (const [key, entry] of this.seen) {
      if (entry.expiresAt > now) return;
      this.seen.delete(key);
    }
  }
}
