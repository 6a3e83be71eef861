/**
 * What the SDK takes from its surroundings, as small interfaces with defaults taken from the globals:
 * time, randomness, the WebSocket and fetch implementations, and the page (online/offline,
 * visibility). Tests pass their own, so every timing is driven, never waited for.
 */

/** Time as the SDK sees it. @default the global `Date.now`, `setTimeout` and `clearTimeout` */
export interface Scheduler {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Events of the page the SDK runs in. */
export type PageEvent = 'online' | 'offline' | 'visible' | 'hidden';

/** The page the SDK runs in; browsers have one, Node has none. */
export interface PageEnvironment {
  /** False when the platform knows the device is offline. */
  online(): boolean;
  /** Calls `listener` on each page event until the returned function is called. */
  watch(listener: (event: PageEvent) => void): () => void;
}

type EventSource = {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
};

/** The browser's `online`/`offline` and `visibilitychange` events; undefined outside browsers. */
export function browserEnvironment(): PageEnvironment | undefined {
  const page = globalThis as unknown as EventSource & {
    navigator?: { onLine?: boolean };
    document?: EventSource & { visibilityState?: string };
  };
  if (typeof page.addEventListener !== 'function' || !page.document) return undefined;
  const document = page.document;
  return {
    online: () => page.navigator?.onLine !== false,
    watch(listener) {
      const online = () => listener('online');
      const offline = () => listener('offline');
      const visibility = () => listener(document.visibilityState === 'hidden' ? 'hidden' : 'visible');
      page.addEventListener('online', online);
      page.addEventListener('offline', offline);
      document.addEventListener('visibilitychange', visibility);
      return () => {
        page.removeEventListener('online', online);
        page.removeEventListener('offline', offline);
        document.removeEventListener('visibilitychange', visibility);
      };
    },
  };
}

/**
 * A handler type whose parameter is checked both ways (method-style), so that the browser's handlers
 * and `ws`'s, each typed with their own event classes, are both accepted.
 */
type Handler<E> = { bivariant(event: E): void }['bivariant'];

/** The part of the WebSocket API the SDK uses; the browser's `WebSocket` and Node's `ws` both have it. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ readonly data: unknown }> | null;
  onclose: Handler<{ readonly code: number; readonly reason?: string }> | null;
  onerror: Handler<unknown> | null;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** The part of `fetch` the SDK uses. @default the global `fetch` */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<{
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  json(): Promise<unknown>;
}>;
