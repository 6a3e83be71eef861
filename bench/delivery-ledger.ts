/**
 * One client's record of numbered deliveries: when each number first arrived, how many arrived again,
 * and how many arrived out of order. Order is the room's order: its `seq` where the server numbers the
 * room's messages (Parley guarantees every member gets them in `seq` order), and the send order where it
 * does not (the bare baseline). Concurrent sends are numbered in the order the room's sequencer takes
 * them, which need not be the order the bench sent them in; only `seq` order is promised. What was sent
 * and never arrived is counted as lost when the ledger is closed against the numbers that were sent.
 */
import type { DeliveryCounts } from './entry.ts';

export class DeliveryLedger {
  private readonly arrivals = new Map<number, number>();
  private readonly waiting = new Map<number, (at: number) => void>();
  private highest = Number.NEGATIVE_INFINITY;
  private duplicated = 0;
  private outOfOrder = 0;

  /** Records the arrival of send number `number`, carrying the room's `seq` when the server gave one. */
  record(number: number, at: number, seq?: number): void {
    if (this.arrivals.has(number)) {
      this.duplicated++;
      return;
    }
    const position = seq ?? number;
    if (position < this.highest) this.outOfOrder++;
    else this.highest = position;
    this.arrivals.set(number, at);
    this.waiting.get(number)?.(at);
    this.waiting.delete(number);
  }

  /** When `number` first arrived, or undefined. */
  arrival(number: number): number | undefined {
    return this.arrivals.get(number);
  }

  /** Resolves with the arrival time of `number`, or undefined once `signal` aborts. */
  arrived(number: number, signal: AbortSignal): Promise<number | undefined> {
    const at = this.arrivals.get(number);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve) => {
      const abort = () => resolve(undefined);
      signal.addEventListener('abort', abort, { once: true });
      this.waiting.set(number, (arrivedAt) => {
        signal.removeEventListener('abort', abort);
        resolve(arrivedAt);
      });
    });
  }

  counts(sent: Iterable<number>): DeliveryCounts {
    let lost = 0;
    for (const number of sent) if (!this.arrivals.has(number)) lost++;
    return { lost, duplicated: this.duplicated, outOfOrder: this.outOfOrder };
  }
}

/** Adds up several clients' counts. */
export function totalDeliveries(counts: readonly DeliveryCounts[]): DeliveryCounts {
  return counts.reduce(
    (sum, next) => ({
      lost: sum.lost + next.lost,
      duplicated: sum.duplicated + next.duplicated,
      outOfOrder: sum.outOfOrder + next.outOfOrder,
    }),
    { lost: 0, duplicated: 0, outOfOrder: 0 },
  );
}
