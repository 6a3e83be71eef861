/**
 * In-order, exactly-once delivery of one room's messages, whatever order the frames arrive in.
 *
 * The server numbers each room's messages 1, 2, 3 … per epoch, but its fan-out runs in many Lambda
 * invocations at once, so frames can overtake each other, and a join's catch-up overlaps the live
 * stream. The sequencer hands the application message `last + 1` and nothing else: a message after a
 * gap is held for `gapWaitMs` (the usual overtaking resolves itself in milliseconds), then the gap is
 * filled from `history { after: last }`. History is contiguous from its oldest retained message, so a
 * first entry beyond `last + 1` proves the numbers between were lost (retention, or a recreated room):
 * they are reported as a gap, never silently skipped. Duplicates (replays, a handover's overlap) are
 * dropped by number.
 */
import type { HistoryFrame, JoinedFrame, MessageFrame } from '../../lambdas/core/wire.ts';
import type { Scheduler } from './environment.ts';
import { RefusedError, TimeoutError } from './errors.ts';

export interface SequencerHost {
  readonly scheduler: Scheduler;
  readonly gapWaitMs: number;
  deliver(message: MessageFrame): void;
  /** The numbers strictly between `after` and `before` are lost for good. */
  lost(after: number, before: number): void;
  /** One page of history with numbers above `after`, oldest first. */
  page(after: number): Promise<HistoryFrame>;
}

/** Empty history pages in a row before a gap is declared lost: a failed send's hole becomes a tombstone only later. */
const MAX_EMPTY_PAGES = 3;

export class Sequencer {
  /** The room's epoch; undefined before the first join. */
  epoch?: string;
  /** The number of the last message handed to the application. */
  last = 0;
  /** False for a server that does not number messages (a join confirmation without epoch). */
  #numbered = true;
  /** False from a connection loss to the next join confirmation: arrivals are held. */
  #ready = false;
  /** The highest number known to exist. */
  #target = 0;
  readonly #held = new Map<number, MessageFrame>();
  #timer: unknown;
  #replaying = 0;
  #filling = false;
  #emptyPages = 0;

  constructor(
    private readonly room: string,
    private readonly host: SequencerHost,
  ) {}

  /** The connection was lost: hold whatever arrives until the next join is confirmed. */
  suspend(): void {
    this.#ready = false;
    this.#replaying = 0;
    this.#stopTimer();
  }

  /** The room is closed: forget everything held. */
  stop(): void {
    this.suspend();
    this.#held.clear();
  }

  /**
   * Applies a join confirmation. On the first join the application starts from the room's current
   * number (earlier messages are `history`); on a rejoin everything after `last` is caught up, from
   * zero when the epoch changed (a recreated room numbers from 1 again). Returns whether it changed.
   */
  joined(frame: JoinedFrame, first: boolean): boolean {
    this.#ready = true;
    if (frame.epoch === undefined) {
      this.#numbered = false;
      this.#held.clear();
      return false;
    }
    const changed = !first && frame.epoch !== this.epoch;
    if (first || changed) {
      this.epoch = frame.epoch;
      this.last = first ? (frame.seq ?? 0) : 0;
      this.#target = this.last;
    }
    this.#target = Math.max(this.#target, frame.seq ?? 0);
    this.#replaying = frame.replay?.count ?? 0;
    for (const [seq, message] of this.#held) {
      if (message.epoch !== this.epoch || seq <= this.last) this.#held.delete(seq);
      else this.#target = Math.max(this.#target, seq);
    }
    this.#drain();
    this.#check(this.#replaying === 0);
    return changed;
  }

  accept(message: MessageFrame): void {
    if (!this.#numbered) {
      this.host.deliver(message);
      return;
    }
    if (this.#ready && message.epoch !== this.epoch) return; // from before the room was recreated
    let replayEnded = false;
    if (message.replayed && this.#replaying > 0) {
      replayEnded = --this.#replaying === 0;
      this.#stopTimer(); // the catch-up is progressing: wait a full moment again
    }
    if ((this.#ready && message.seq <= this.last) || this.#held.has(message.seq)) return;
    if (!this.#ready) {
      this.#held.set(message.seq, message);
      return;
    }
    this.#target = Math.max(this.#target, message.seq);
    if (message.seq === this.last + 1) this.#deliver(message);
    else this.#held.set(message.seq, message);
    this.#drain();
    this.#check(replayEnded);
  }

  #deliver(message: MessageFrame): void {
    this.last = message.seq;
    this.#held.delete(message.seq);
    this.host.deliver(message);
  }

  #drain(): void {
    for (let next = this.#held.get(this.last + 1); next; next = this.#held.get(this.last + 1)) {
      this.#deliver(next);
    }
  }

  /** Starts filling a gap: now, or after a moment for frames that are merely late. */
  #check(now: boolean): void {
    if (this.last >= this.#target) {
      this.#stopTimer();
      this.#emptyPages = 0;
      return;
    }
    if (this.#filling || !this.#ready) return;
    if (now) {
      this.#stopTimer();
      void this.#fill();
    } else {
      this.#timer ??= this.host.scheduler.setTimeout(() => {
        this.#timer = undefined;
        void this.#fill();
      }, this.host.gapWaitMs);
    }
  }

  async #fill(): Promise<void> {
    if (this.#filling || !this.#ready || this.last >= this.#target) return;
    this.#filling = true;
    let page: HistoryFrame;
    try {
      page = await this.host.page(this.last);
    } catch (error) {
      this.#filling = false;
      // Refused (history disabled, forbidden …): the gap cannot be filled; say so and go on.
      if (error instanceof RefusedError) this.#skip();
      // A timeout tries again after a moment; a lost connection resumes with the next join.
      if (error instanceof RefusedError || error instanceof TimeoutError) this.#check(false);
      return;
    }
    this.#filling = false;
    if (!this.#ready) return;
    if (page.epoch !== this.epoch) {
      this.#skip();
      return this.#check(false);
    }
    let progress = false;
    for (const entry of page.messages) {
      if (entry.seq <= this.last) continue;
      if (entry.seq > this.last + 1) {
        this.host.lost(this.last, entry.seq);
        this.last = entry.seq - 1;
      }
      progress = true;
      if ('deleted' in entry) {
        this.last = entry.seq;
        this.#held.delete(entry.seq);
      } else {
        this.#deliver(
          this.#held.get(entry.seq) ?? {
            ...entry,
            type: 'message',
            room: this.room,
            epoch: page.epoch,
            replayed: true,
          },
        );
      }
      this.#drain();
    }
    // Nothing stored yet for the missing numbers: a sender may be between numbering and storing.
    if (!progress && !page.hasMore && ++this.#emptyPages >= MAX_EMPTY_PAGES) this.#skip();
    this.#check(progress && page.hasMore);
  }

  /** Declares the numbers up to the next known message lost, and delivers on from there. */
  #skip(): void {
    const next = this.#held.size > 0 ? Math.min(...this.#held.keys()) : this.#target + 1;
    this.host.lost(this.last, next);
    this.last = next - 1;
    this.#emptyPages = 0;
    this.#drain();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) this.host.scheduler.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
