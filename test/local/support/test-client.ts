/**
 * A `ws` client for tests: queues incoming messages and resolves awaited ones as they arrive, with a
 * clear timeout error instead of sleep-and-hope.
 */
import WebSocket from 'ws';

export type Handshake =
  | {
      readonly kind: 'open';
      readonly client: TestClient;
      /** The 101 response's raw headers, as name/value pairs in the order received. */
      readonly responseHeaders: readonly (readonly [string, string])[];
    }
  | { readonly kind: 'refused'; readonly status: number; readonly body: string }
  | { readonly kind: 'failed'; readonly error: Error };

export interface ConnectOptions {
  readonly protocols?: string | string[];
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
}

/** Opens a WebSocket and reports how the handshake ended: open, refused with a status, or failed. */
export function openWebSocket(url: string, options: ConnectOptions = {}): Promise<Handshake> {
  const socket = new WebSocket(url, options.protocols, { headers: options.headers ?? {} });
  const client = new TestClient(socket);
  return new Promise<Handshake>((resolve) => {
    const timer = setTimeout(() => {
      socket.terminate();
      resolve({
        kind: 'failed',
        error: new Error(
          `handshake with ${url.split('?')[0]} did not finish in ${options.timeoutMs ?? 5_000} ms`,
        ),
      });
    }, options.timeoutMs ?? 5_000);
    let responseHeaders: [string, string][] = [];
    socket.once('upgrade', (response) => {
      const raw = response.rawHeaders;
      responseHeaders = [];
      for (let i = 0; i + 1 < raw.length; i += 2)
        responseHeaders.push([raw[i] as string, raw[i + 1] as string]);
    });
    socket.once('open', () => {
      clearTimeout(timer);
      resolve({ kind: 'open', client, responseHeaders });
    });
    let refused = false;
    socket.once('unexpected-response', (request, response) => {
      refused = true;
      clearTimeout(timer);
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => {
        resolve({ kind: 'refused', status: response.statusCode ?? 0, body });
        request.destroy();
      });
    });
    socket.on('error', (error) => {
      if (refused) return;
      clearTimeout(timer);
      resolve({ kind: 'failed', error });
    });
  });
}

/** Opens a WebSocket that must succeed. */
export async function connectClient(url: string, options: ConnectOptions = {}): Promise<TestClient> {
  const handshake = await openWebSocket(url, options);
  if (handshake.kind === 'open') return handshake.client;
  throw new Error(
    handshake.kind === 'refused'
      ? `handshake refused with ${handshake.status}: ${handshake.body}`
      : `handshake failed: ${handshake.error.message}`,
  );
}

export interface ReceivedMessage {
  readonly data: string;
  readonly isBinary: boolean;
}

export class TestClient {
  readonly received: ReceivedMessage[] = [];
  private cursor = 0;
  private readonly waiters = new Set<() => void>();
  private closeInfo: { code: number; reason: string } | undefined;

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      this.received.push({ data: data.toString('utf8'), isBinary });
      for (const wake of [...this.waiters]) wake();
    });
    socket.on('close', (code: number, reason: Buffer) => {
      this.closeInfo = { code, reason: reason.toString('utf8') };
      for (const wake of [...this.waiters]) wake();
    });
    socket.on('error', () => {
      // Surfaced through close codes; tests assert on those.
    });
  }

  get protocol(): string {
    return this.socket.protocol;
  }

  send(data: string | Buffer): void {
    this.socket.send(data);
  }

  sendJson(value: unknown): void {
    this.socket.send(JSON.stringify(value));
  }

  /** The next message after the ones already consumed that satisfies `predicate` (skipping others). */
  nextMessage(
    predicate: (message: ReceivedMessage) => boolean = () => true,
    timeoutMs = 5_000,
  ): Promise<ReceivedMessage> {
    return this.waitUntil(
      () => {
        while (this.cursor < this.received.length) {
          const message = this.received[this.cursor++] as ReceivedMessage;
          if (predicate(message)) return message;
        }
        return undefined;
      },
      timeoutMs,
      'a matching message',
    );
  }

  /** The next JSON message whose parsed value satisfies `predicate`. */
  async nextJson<T = Record<string, unknown>>(
    predicate: (value: T) => boolean = () => true,
    timeoutMs = 5_000,
  ): Promise<T> {
    const message = await this.nextMessage((candidate) => {
      try {
        return predicate(JSON.parse(candidate.data) as T);
      } catch {
        return false;
      }
    }, timeoutMs);
    return JSON.parse(message.data) as T;
  }

  /** Resolves with the close code and reason once the connection has closed. */
  closed(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    return this.waitUntil(() => this.closeInfo, timeoutMs, 'the connection to close');
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  private waitUntil<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const immediate = check();
    if (immediate !== undefined) return Promise.resolve(immediate);
    return new Promise<T>((resolve, reject) => {
      const wake = () => {
        const value = check();
        if (value === undefined) return;
        this.waiters.delete(wake);
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; received so far: ${JSON.stringify(this.received.map((m) => m.data.slice(0, 200)))}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(wake);
    });
  }
}
