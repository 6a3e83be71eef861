import { afterEach, describe, expect, it, vi } from 'vitest';
import { Emitter } from '../../client/src/emitter.ts';
import { browserEnvironment, type PageEvent } from '../../client/src/environment.ts';

afterEach(() => vi.unstubAllGlobals());

/** A minimal window and document: listeners by event type. */
function fakeWindow(online: boolean) {
  const listeners = new Map<string, Set<() => void>>();
  const target = {
    addEventListener: (type: string, listener: () => void) => {
      const set = listeners.get(type) ?? new Set();
      listeners.set(type, set.add(listener));
    },
    removeEventListener: (type: string, listener: () => void) => listeners.get(type)?.delete(listener),
  };
  const document = { ...target, visibilityState: 'visible' };
  vi.stubGlobal('addEventListener', target.addEventListener);
  vi.stubGlobal('removeEventListener', target.removeEventListener);
  vi.stubGlobal('document', document);
  vi.stubGlobal('navigator', { onLine: online });
  const fire = (type: string) => {
    for (const listener of listeners.get(type) ?? []) listener();
  };
  return { document, fire, count: () => [...listeners.values()].reduce((sum, set) => sum + set.size, 0) };
}

describe('browserEnvironment', () => {
  it('is absent outside browsers', () => {
    expect(browserEnvironment()).toBeUndefined();
  });

  it('reports navigator.onLine and turns online, offline and visibilitychange into page events', () => {
    const page = fakeWindow(false);
    const environment = browserEnvironment();
    const seen: PageEvent[] = [];

    const unwatch = environment?.watch((event) => seen.push(event));
    page.fire('offline');
    page.fire('online');
    page.document.visibilityState = 'hidden';
    page.fire('visibilitychange');
    page.document.visibilityState = 'visible';
    page.fire('visibilitychange');
    unwatch?.();

    expect(environment?.online()).toBe(false);
    expect(seen).toEqual(['offline', 'online', 'hidden', 'visible']);
    expect(page.count()).toBe(0);
  });
});

describe('Emitter', () => {
  it('calls listeners in order until unsubscribed', () => {
    const emitter = new Emitter<{ ping: [number] }>();
    const seen: string[] = [];
    const off = emitter.on('ping', (n) => seen.push(`a${n}`));
    emitter.on('ping', (n) => seen.push(`b${n}`));

    emitter.emit('ping', 1);
    off();
    emitter.emit('ping', 2);

    expect(seen).toEqual(['a1', 'b1', 'b2']);
  });

  it('keeps calling the other listeners when one throws, and rethrows its error on its own', () => {
    const rethrown: (() => void)[] = [];
    vi.stubGlobal('queueMicrotask', (callback: () => void) => rethrown.push(callback));
    const emitter = new Emitter<{ ping: [] }>();
    const failure = new Error('listener bug');
    const seen: string[] = [];
    emitter.on('ping', () => {
      throw failure;
    });
    emitter.on('ping', () => seen.push('second'));

    emitter.emit('ping');

    expect(seen).toEqual(['second']);
    expect(rethrown).toHaveLength(1);
    expect(() => rethrown[0]?.()).toThrow(failure);
  });
});
