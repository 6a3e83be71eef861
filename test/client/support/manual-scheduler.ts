/**
 * Time for SDK tests: timers run only when a test advances the clock, in due order, with every
 * promise settled in between. Nothing in the SDK tests waits for real time.
 */
import type { Scheduler } from '../../../client/src/index.ts';

interface Timer {
  readonly at: number;
  readonly order: number;
  readonly callback: () => void;
}

export class ManualScheduler implements Scheduler {
  #now: number;
  #order = 0;
  readonly #timers = new Map<number, Timer>();

  constructor(start = Date.parse('2030-01-01T00:00:00.000Z')) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.#order;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), order: id, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Due times of the timers still pending, relative to now. */
  pendingDelays(): number[] {
    return [...this.#timers.values()].map((timer) => timer.at - this.#now).sort((a, b) => a - b);
  }

  /** Runs every timer due within `ms`, in order, settling promises after each; then sets the clock to now + ms. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      await settle();
      const next = [...this.#timers.entries()]
        .filter(([, timer]) => timer.at <= end)
        .sort(([, a], [, b]) => a.at - b.at || a.order - b.order)[0];
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = next[1].at;
      next[1].callback();
    }
    this.#now = end;
    await settle();
  }
}

/** Lets every pending promise chain (and the fakes' queued deliveries) run to completion. */
export async function settle(): Promise<void> {
  for (let round = 0; round < 5; round++) await new Promise<void>((resolve) => setImmediate(resolve));
}
