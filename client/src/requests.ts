/**
 * The request/response correlator. Every request carries a `requestId`, and the server answers each
 * with exactly one frame carrying it: the action's reply, `done`, or `error` (broadcasts carry none).
 * A request waits for a connection when there is none, times out after `timeoutMs`, and is sent again
 * after a temporary refusal: a refused request wrote nothing, so repeating it is always safe.
 * - `RATE_LIMITED` is per connection: every request waits `retryAfter` (sending on would only earn
 *   more refusals, and the server closes connections that keep at it).
 * - `ROOM_BUSY` is per room: that request waits `retryAfter`.
 * - `TOKEN_EXPIRED`: the token is refreshed first (at most twice per request).
 */
import type { ClientAction, ErrorFrame, ServerFrame } from '../../lambdas/core/wire.ts';
import type { Connection } from './connection.ts';
import type { Scheduler } from './environment.ts';
import { ConnectionLostError, RefusedError, TimeoutError } from './errors.ts';
import type { ReplyTo, RequestOf } from './replies.ts';

export interface RequestsHost {
  readonly scheduler: Scheduler;
  readonly timeoutMs: number;
  /** The connection requests go out on, while connected. */
  current(): Connection | undefined;
  /** Refreshes the token; never rejects. */
  refresh(): Promise<void>;
  /** A request on `connection` was answered or timed out (a retired connection may now close). */
  settled(connection: Connection): void;
}

interface Pending {
  readonly request: RequestOf<ClientAction>;
  /** Only this connection will do (reauth, a handover's joins, pings). */
  readonly pinned?: Connection;
  readonly resolve: (frame: never) => void;
  readonly reject: (error: Error) => void;
  /** Not to be sent before this time (`ROOM_BUSY`). */
  notBefore: number;
  /** `TOKEN_EXPIRED` refusals so far. */
  expired: number;
  sentOn?: Connection;
  timer?: unknown;
}

/** TOKEN_EXPIRED refusals of one request before it fails: each is followed by a refresh. */
const MAX_EXPIRED = 2;
/**
 * Requests on the wire per connection. The server closes a connection refused 20 times in a row
 * (`TOO_MANY_REFUSALS`); with at most 8 unanswered, a burst of `RATE_LIMITED` refusals stays well below
 * that, however many rooms rejoin at once after a reconnect.
 */
const MAX_IN_FLIGHT = 8;

export class Requests {
  readonly #pending = new Map<string, Pending>();
  #waiting: Pending[] = [];
  /** No request goes out before this time. */
  #pausedUntil = 0;
  #flushAt = 0;
  #flushTimer: unknown;
  #count = 0;
  /** Set by `fail`: every request from now on is refused with it. */
  #closed?: Error;

  constructor(private readonly host: RequestsHost) {}

  /** Sends `request` (on `pinned` only, when given) and resolves with its reply frame. */
  send<R extends RequestOf<ClientAction>>(request: R, pinned?: Connection): Promise<ReplyTo<R>> {
    return new Promise((resolve, reject) =>
      this.#transmit({ request, pinned, resolve, reject, notBefore: 0, expired: 0 }),
    );
  }

  /** Whether a request sent on `connection` still awaits its reply. */
  awaiting(connection: Connection): boolean {
    return this.#inFlight(connection) > 0;
  }

  #inFlight(connection: Connection): number {
    let count = 0;
    for (const pending of this.#pending.values()) if (pending.sentOn === connection) count++;
    return count;
  }

  /** Settles the request `frame` answers; returns whether it answered one. */
  settle(frame: ServerFrame): boolean {
    const requestId = (frame as { requestId?: string }).requestId;
    const pending = requestId === undefined ? undefined : this.#pending.get(requestId);
    if (!pending) return false;
    this.#pending.delete(requestId as string);
    this.host.scheduler.clearTimeout(pending.timer);
    if (frame.type === 'error') this.#refused(pending, frame);
    else pending.resolve(frame as never);
    if (pending.sentOn) this.host.settled(pending.sentOn);
    this.#flushWaiting();
    return true;
  }

  /** `connection` closed: what it carries rejects with {@link ConnectionLostError}. */
  lost(connection: Connection): void {
    for (const [id, pending] of this.#pending) {
      if (pending.sentOn !== connection) continue;
      this.#pending.delete(id);
      this.host.scheduler.clearTimeout(pending.timer);
      pending.reject(
        new ConnectionLostError(`the connection closed before the reply to ${pending.request.action}`),
      );
    }
  }

  /** Sends what waits and may go now (a connection came, a pause ended). */
  flush(): void {
    this.#flushAt = 0;
    this.host.scheduler.clearTimeout(this.#flushTimer);
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const pending of waiting) this.#transmit(pending);
  }

  /** A slot on the wire came free: the waiting requests that may go, go. */
  #flushWaiting(): void {
    if (this.#waiting.length > 0) this.flush();
  }

  /** Rejects everything, now and from now on, with `error`. */
  fail(error: Error): void {
    this.#closed = error;
    this.host.scheduler.clearTimeout(this.#flushTimer);
    for (const pending of [...this.#pending.values(), ...this.#waiting.splice(0)]) {
      this.host.scheduler.clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#pending.clear();
  }

  /** Accepts requests again (the client reconnects after having stopped). */
  reopen(): void {
    this.#closed = undefined;
  }

  /** Sends now, or parks the request until there is a connection and no pause. */
  #transmit(pending: Pending): void {
    const { pinned, request } = pending;
    const refusal =
      this.#closed ?? (pinned?.closed ? new ConnectionLostError('the connection closed') : undefined);
    if (refusal) {
      pending.reject(refusal);
      return;
    }
    const connection = pinned ?? this.host.current();
    const now = this.host.scheduler.now();
    const notBefore = Math.max(pending.notBefore, this.#pausedUntil);
    if (!connection?.open || notBefore > now || this.#inFlight(connection) >= MAX_IN_FLIGHT) {
      this.#waiting.push(pending);
      if (notBefore > now && (this.#flushAt === 0 || notBefore < this.#flushAt)) {
        this.#flushAt = notBefore;
        this.host.scheduler.clearTimeout(this.#flushTimer);
        this.#flushTimer = this.host.scheduler.setTimeout(() => this.flush(), notBefore - now);
      }
      return;
    }
    const requestId = (++this.#count).toString(36);
    pending.sentOn = connection;
    this.#pending.set(requestId, pending);
    pending.timer = this.host.scheduler.setTimeout(() => {
      this.#pending.delete(requestId);
      pending.reject(new TimeoutError(`no reply to ${request.action} within ${this.host.timeoutMs} ms`));
      this.host.settled(connection);
      this.#flushWaiting();
    }, this.host.timeoutMs);
    connection.send({ ...request, requestId } as never);
  }

  /** A refused request: waited out and sent again when the refusal is temporary, rejected otherwise. */
  #refused(pending: Pending, frame: ErrorFrame): void {
    const wait = this.host.scheduler.now() + (frame.retryAfter ?? 1000);
    if (frame.code === 'RATE_LIMITED' || frame.code === 'ROOM_BUSY') {
      if (frame.code === 'RATE_LIMITED') this.#pausedUntil = Math.max(this.#pausedUntil, wait);
      else pending.notBefore = wait;
      this.#transmit(pending);
      return;
    }
    if (
      frame.code === 'TOKEN_EXPIRED' &&
      pending.request.action !== 'reauth' &&
      pending.expired++ < MAX_EXPIRED
    ) {
      void this.host.refresh().then(() => this.#transmit(pending));
      return;
    }
    pending.reject(new RefusedError(frame));
  }
}
