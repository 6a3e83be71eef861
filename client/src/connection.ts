/**
 * One WebSocket to Parley. A connection counts as established when the server's `welcome` frame
 * arrives: only then has `$connect` stored it and the server's pipeline answered, and the welcome
 * carries the identity and token expiry the client schedules by. A socket that closes or stays
 * silent before that is a failed attempt.
 */
import type { ClientRequest, ClosingFrame, ServerFrame, WelcomeFrame } from '../../lambdas/core/wire.ts';
import type { Scheduler, WebSocketLike } from './environment.ts';
import { NetworkError } from './errors.ts';

export interface ConnectionHost {
  readonly scheduler: Scheduler;
  frame(frame: ServerFrame, connection: Connection): void;
  /** The established connection closed (once per connection). */
  lost(connection: Connection): void;
}

/** Node's `ws` reports a refused handshake as `Unexpected server response: 401`; browsers show nothing. */
const statusOf = (event: unknown): number | undefined => {
  const { message, error } = (event ?? {}) as { message?: unknown; error?: { message?: unknown } };
  const match = /server response: (\d{3})/.exec(String(message ?? error?.message ?? ''));
  return match ? Number(match[1]) : undefined;
};

export class Connection {
  welcome?: WelcomeFrame;
  /** When the welcome arrived. */
  establishedAt = 0;
  /** When this side last sent a frame (API Gateway closes connections idle for 10 minutes). */
  lastSentAt = 0;
  /** The server's `closing` frame, when it said why it is closing. */
  closing?: ClosingFrame;
  closed = false;
  /** Retired by a handover: closes once its in-flight requests are answered. */
  retiring = false;
  /** Resolves on the welcome; rejects when the socket fails or stays silent first. */
  readonly ready: Promise<Connection>;
  readonly #settle: (error?: Error) => void;
  /** The welcome's deadline, then a retired connection's: cleared on close so nothing outlives the client. */
  #timer: unknown;

  constructor(
    private readonly socket: WebSocketLike,
    private readonly host: ConnectionHost,
    timeoutMs: number,
  ) {
    let settle!: (error?: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      settle = (error) => (error ? reject(error) : resolve(this));
    });
    this.#settle = settle;
    let status: number | undefined;
    this.#timer = host.scheduler.setTimeout(() => {
      this.#shut();
      settle(new NetworkError(`no welcome within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.onopen = () => undefined;
    socket.onerror = (event) => {
      status ??= statusOf(event);
    };
    socket.onmessage = ({ data }) => {
      if (this.closed || typeof data !== 'string') return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(data);
      } catch {
        return; // plain text: the tutorial's echo, which the SDK never asks for
      }
      if (typeof frame !== 'object' || frame === null || typeof frame.type !== 'string') return;
      if (frame.type === 'welcome' && !this.welcome) {
        this.welcome = frame;
        this.establishedAt = this.lastSentAt = host.scheduler.now();
        host.scheduler.clearTimeout(this.#timer);
        settle();
      }
      host.frame(frame, this);
    };
    socket.onclose = ({ code }) => {
      host.scheduler.clearTimeout(this.#timer);
      if (this.closed) return;
      this.closed = true;
      if (this.welcome) host.lost(this);
      else
        settle(
          new NetworkError(
            status
              ? `the handshake was refused with ${status}`
              : `the socket closed (${code}) before the welcome`,
            status,
          ),
        );
    };
  }

  get open(): boolean {
    return !this.closed && this.welcome !== undefined;
  }

  send(request: ClientRequest): void {
    this.lastSentAt = this.host.scheduler.now();
    try {
      this.socket.send(JSON.stringify(request));
    } catch {
      // A socket that cannot send is closing; its close event follows and the request times out or is lost.
    }
  }

  /**
   * Closes now and reports the loss at once: a dead network can hold a browser's close event back
   * for a minute, and the client must not wait that long to reconnect.
   */
  close(code = 1000): void {
    if (this.closed) return;
    this.#shut(code);
    if (this.welcome) this.host.lost(this);
    else this.#settle(new NetworkError('the connection was closed before the welcome'));
  }

  /** Closes after `ms` whatever happens (a retired connection whose replies do not come). */
  closeAfter(ms: number): void {
    this.host.scheduler.clearTimeout(this.#timer);
    this.#timer = this.host.scheduler.setTimeout(() => this.close(), ms);
  }

  #shut(code = 1000): void {
    this.host.scheduler.clearTimeout(this.#timer);
    this.closed = true;
    try {
      this.socket.close(code);
    } catch {
      // already closed
    }
  }
}
