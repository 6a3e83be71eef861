/**
 * A typed event emitter: `on` returns the function that unsubscribes. A listener that throws does
 * not break the SDK's state machine: its error is rethrown on its own (a microtask), where the
 * platform reports it as any uncaught error.
 */
/** Event names and the arguments their listeners get. */
export type EventMap<E> = { [K in keyof E]: readonly unknown[] };
export type Listener<A extends readonly unknown[]> = (...args: A) => void;

export class Emitter<E extends EventMap<E>> {
  readonly #listeners = new Map<keyof E, Set<Listener<never>>>();

  /** Calls `listener` on every `event` until the returned function is called. */
  on<K extends keyof E>(event: K, listener: Listener<E[K]>): () => void {
    const set = this.#listeners.get(event) ?? new Set();
    this.#listeners.set(event, set);
    set.add(listener as Listener<never>);
    return () => this.off(event, listener);
  }

  off<K extends keyof E>(event: K, listener: Listener<E[K]>): void {
    this.#listeners.get(event)?.delete(listener as Listener<never>);
  }

  /** @internal */
  emit<K extends keyof E>(event: K, ...args: E[K]): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        (listener as Listener<E[K]>)(...args);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
