/**
 * One client's record of numbered deliveries: when each number first arrived, how many arrived again,
 * and how many arrived after a higher number had already come (out of order). What was sent and never
 * arrived is counted as lost when the ledger is closed against the numbers that were sent.
 */
import type { DeliveryCounts } from './entry.ts';

export class DeliveryLedger {
  private readonly arrivals = new Map<number, number>();
  private readonly waiting = new Map<number, (at: number) => void>();
  private highest = Number.NEGATIVE_INFINITY;
  private duplicated = 0;
  private outOfOrder = 0;

  record(number: number, at: number): void {
    if (this.arrivals.has(number)) {
      this.duplicated++;
      return;
    }
    if (number < this.highest) this.outOfOrder++;
    else this.highest = number;
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
