/**
 * The Parley client: one logical connection that survives network loss, API Gateway's 2-hour limit
 * and token expiry, with rooms that resume where they left off.
 *
 * - Connecting: a token (credentials or `getToken`), then a ticket or the subprotocol, then the
 *   server's `welcome`. Failures back off with full jitter; 400/401/403 from `/login`, a handshake
 *   refused for the token three times in a row, or `closing { reconnect: false }` stop the client with
 *   an `error` event and the `closed` state, never silently.
 * - Requests: each carries a `requestId`; the server answers each with exactly one frame carrying it.
 *   `RATE_LIMITED` pauses every request for `retryAfter`, `ROOM_BUSY` that one, `TOKEN_EXPIRED`
 *   refreshes the token first; then the request goes again (a refused request wrote nothing).
 * - Handover: before API Gateway's 2-hour limit a second connection opens and rejoins every room with
 *   `since`; only then does it take over and the old one close, so nothing is missed (duplicates from
 *   the overlap are dropped by `seq`).
 * - Tokens: refreshed ahead of expiry, or at once on `reauth_required`, and presented in-band with
 *   `reauth` on the live connection: no reconnect.
 */

import { describeRoomNameProblem } from '../../lambdas/core/room-name.ts';
import type {
  ClientAction,
  ClosingFrame,
  InvitedFrame,
  NotificationFrame,
  PostingPolicy,
  ReauthenticatedFrame,
  ReauthRequiredFrame,
  RoomCreatedFrame,
  RoomsFrame,
  RoomVisibility,
  ServerFrame,
  ServerFrameType,
  WelcomeFrame,
} from '../../lambdas/core/wire.ts';
import { PROTOCOL_VERSION } from '../../lambdas/core/wire.ts';
import { backoffDelay } from './backoff.ts';
import { Connection } from './connection.ts';
import { Emitter } from './emitter.ts';
import type { PageEvent } from './environment.ts';
import {
  AuthenticationError,
  ClosedError,
  ConnectionLostError,
  isTerminal,
  NetworkError,
  ParleyError,
  RefusedError,
  ServerClosedError,
  TimeoutError,
} from './errors.ts';
import { CallbackTokens, fetchTicket, PasswordTokens, type TokenSource } from './http-api.ts';
import { type ParleyClientOptions, type ResolvedOptions, resolveOptions } from './options.ts';
import type { ManagedAction, ReplyTo, RequestOf } from './replies.ts';
import { Requests } from './requests.ts';
import { Room, type RoomHost } from './room.ts';
import { TokenRefresh } from './token-refresh.ts';

/** `connecting` until the first welcome, `reconnecting` while retrying, `closed` before `connect()` and after stopping. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** A failed attempt and when the next one is made. */
export interface RetryInfo {
  /** 1 for the first retry in a row. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: ParleyError;
}

export interface ClientEvents {
  /** The connection state changed; `error` says why for `reconnecting` and for a stop. */
  state: [state: ConnectionState, error?: ParleyError];
  /** A connection was established (also each reconnect and handover). */
  welcome: [frame: WelcomeFrame];
  /** An attempt failed; another follows after `delayMs`. */
  retry: [info: RetryInfo];
  /** The client stopped on this error, or the server sent an error that answers no request. */
  error: [error: ParleyError];
  /** The server is closing the connection and says why; the client reconnects unless `reconnect` is false. */
  closing: [frame: ClosingFrame];
  /** The token was refreshed in-band. */
  reauthenticated: [frame: ReauthenticatedFrame];
  /** The server asks for a fresh token (the client is already refreshing it). */
  reauthRequired: [frame: ReauthRequiredFrame];
  /** This user was invited to a room. */
  invited: [frame: InvitedFrame];
  notification: [frame: NotificationFrame];
  /** Every frame the server sends, as it arrives, before the SDK acts on it. */
  frame: [frame: ServerFrame];
}

type TimerName = 'retry' | 'handover' | 'ping';
type Routes = {
  [T in ServerFrameType]: (frame: Extract<ServerFrame, { type: T }>, connection: Connection) => void;
};

/** Handshakes refused for the token in a row, each with a fresh one, before the client stops. */
const MAX_AUTH_REFUSALS = 3;

export class ParleyClient {
  /** The welcome of the current connection: who this client is connected as. */
  user?: WelcomeFrame;

  readonly #o: ResolvedOptions;
  readonly #events = new Emitter<ClientEvents>();
  readonly #tokens: TokenSource;
  readonly #rooms = new Map<string, Room>();
  readonly #timers = new Map<TimerName, unknown>();
  readonly #retiring = new Set<Connection>();
  readonly #roomHost: RoomHost;
  readonly #connectionHost;
  readonly #routes: Routes;
  readonly #requests: Requests;
  readonly #tokenRefresh: TokenRefresh;
  #state: ConnectionState = 'closed';
  #primary?: Connection;
  /** A handover's new connection, from its welcome until it takes over. */
  #successor?: Connection;
  /** The connection being opened (at most one at a time). */
  #opening?: Connection;
  #handingOver = false;
  /** A reconnect attempt is under way (from the token request to the welcome). */
  #attempting = false;
  /** The pending `connect()`. */
  #started?: { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void };
  #unwatch?: () => void;
  #attempt = 0;
  #authRefusals = 0;
  #freshToken = false;
  #sends = 0;
  readonly #idPrefix: string;

  /** Checks the options (throws `ConfigurationError` listing every problem); connects on `connect()`. */
  constructor(options: ParleyClientOptions) {
    const o = resolveOptions(options);
    this.#o = o;
    this.#tokens = o.credentials
      ? new PasswordTokens(o.fetch, o.httpUrl, o.credentials, o.scheduler)
      : new CallbackTokens(o.getToken as () => Promise<string>);
    this.#idPrefix = Math.floor(o.random() * 36 ** 8).toString(36);
    this.#connectionHost = {
      scheduler: o.scheduler,
      frame: (frame: ServerFrame, connection: Connection) => this.#dispatch(frame, connection),
      lost: (connection: Connection) => this.#lost(connection),
    };
    this.#requests = new Requests({
      scheduler: o.scheduler,
      timeoutMs: o.timeoutMs,
      current: () => this.#primary,
      refresh: () => this.#tokenRefresh.refresh(),
      settled: (connection) => this.#closeIfIdle(connection),
    });
    this.#tokenRefresh = new TokenRefresh({
      scheduler: o.scheduler,
      refreshAheadMs: o.refreshAheadMs,
      tokens: this.#tokens,
      live: () => [this.#primary, this.#successor].filter((c): c is Connection => c?.open === true),
      reauth: (token, connection) => this.#requests.send({ action: 'reauth', token }, connection),
      backoff: (attempt) => this.#backoff(attempt),
      stop: (error) => this.#stop(error),
    });
    this.#roomHost = {
      scheduler: o.scheduler,
      gapWaitMs: o.gapWaitMs,
      current: () => this.#primary,
      request: (request, connection) => this.#request(request, connection),
      backoff: (attempt) => this.#backoff(attempt),
      clientMsgId: () => `${this.#idPrefix}-${(++this.#sends).toString(36)}`,
      me: () => this.user?.username,
      forget: (room) => {
        if (this.#rooms.get(room.name) === room) this.#rooms.delete(room.name);
      },
    };
    const toRoom = (frame: ServerFrame & { room: string }, connection: Connection) =>
      this.#rooms.get(frame.room)?.handle(frame, connection);
    const reply = () => undefined; // settled by requestId; unasked ones reach `frame` listeners only
    this.#routes = {
      welcome: (frame) => {
        this.#tokenRefresh.welcomed(frame);
        this.#events.emit('welcome', frame);
      },
      joined: toRoom,
      left: toRoom,
      message: toRoom,
      messageDeleted: toRoom,
      roomUpdated: toRoom,
      roomDeleted: toRoom,
      kicked: toRoom,
      roleChanged: toRoom,
      occupancy: toRoom,
      presence: (frame, connection) => frame.requestId === undefined && toRoom(frame, connection),
      ack: (frame) => this.#rooms.get(frame.room)?.acked(frame),
      history: reply,
      pong: reply,
      rooms: reply,
      roomCreated: reply,
      done: reply,
      error: (frame) => frame.requestId === undefined && this.#events.emit('error', new RefusedError(frame)),
      reauthenticated: (frame) => {
        this.#tokenRefresh.expiry(frame.expiresAt);
        this.#events.emit('reauthenticated', frame);
      },
      reauth_required: (frame) => {
        this.#events.emit('reauthRequired', frame);
        void this.#tokenRefresh.refresh();
      },
      closing: (frame, connection) => this.#closing(frame, connection),
      invited: (frame) => this.#events.emit('invited', frame),
      notification: (frame) => this.#events.emit('notification', frame),
    };
  }

  /** The connection state; changes are announced by the `state` event. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Calls `listener` on every `event` until the returned function is called. */
  on<K extends keyof ClientEvents>(event: K, listener: (...args: ClientEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Stops calling `listener`. */
  off<K extends keyof ClientEvents>(event: K, listener: (...args: ClientEvents[K]) => void): void {
    this.#events.off(event, listener);
  }

  /**
   * Connects (logging in first when needed) and resolves on the server's welcome. Temporary failures
   * are retried (see the `retry` event) while the promise stays pending; it rejects only when the
   * client stops: bad credentials, a terminal `closing`, `maxRetries`, or `close()`.
   */
  connect(): Promise<void> {
    if (this.#state === 'connected') return Promise.resolve();
    if (!this.#started) {
      let settle!: { resolve: () => void; reject: (error: Error) => void };
      const promise = new Promise<void>((resolve, reject) => {
        settle = { resolve, reject };
      });
      this.#started = { promise, ...settle };
    }
    // While reconnecting, the promise simply waits for the connection the client is already making.
    if (this.#state === 'closed') {
      this.#attempt = this.#authRefusals = 0;
      this.#requests.reopen();
      this.#unwatch = this.#o.environment?.watch((event) => this.#page(event));
      this.#setState('connecting');
      void this.#attemptConnection();
    }
    return this.#started.promise;
  }

  /** Closes every connection; pending requests and queued sends reject with `ClosedError`. */
  async close(): Promise<void> {
    this.#stop();
  }

  /** Revokes the refresh token (`POST /logout`, with credentials) and closes. */
  async logout(): Promise<void> {
    try {
      await this.#tokens.logout();
    } finally {
      this.#stop();
    }
  }

  /**
   * Joins a room and resolves when the server confirms. The room stays joined across reconnects
   * (rejoined with `since`, so nothing is missed) until `leave()`, a kick, its deletion, or `close()`.
   * Joining a room already joined returns the same {@link Room}.
   */
  join(name: string): Promise<Room> {
    // The server's own rule, checked here so that a bad name never becomes a room that rejoins forever.
    const problem = describeRoomNameProblem(name);
    if (problem)
      return Promise.reject(new RefusedError({ code: 'INVALID_ROOM', message: problem, action: 'joinRoom' }));
    if (this.#state === 'closed') return Promise.reject(new ClosedError('call connect() before join()'));
    let room = this.#rooms.get(name);
    if (!room) {
      room = new Room(name, this.#roomHost);
      this.#rooms.set(name, room);
      if (this.#primary) void room.attach(this.#primary);
    }
    return room.ready;
  }

  /** A room joined with `join()` and not closed since. */
  room(name: string): Room | undefined {
    return this.#rooms.get(name);
  }

  /** Every room joined and not closed. */
  get rooms(): Room[] {
    return [...this.#rooms.values()];
  }

  /** Creates a room (it is not joined). */
  createRoom(
    room: string,
    options: { visibility?: RoomVisibility; posting?: PostingPolicy; title?: string } = {},
  ): Promise<RoomCreatedFrame> {
    return this.#request({ action: 'createRoom', room, ...options });
  }

  /** The rooms this user may see, a page at a time. */
  listRooms(cursor?: string): Promise<RoomsFrame> {
    return this.#request({ action: 'listRooms', ...(cursor ? { cursor } : {}) });
  }

  /**
   * Any request but those the SDK manages (joining, leaving, sending, reauth), resolved with its reply
   * frame: for administration of rooms this client has not joined. Requests made while disconnected
   * wait for the connection; a request whose connection drops rejects with `ConnectionLostError`.
   */
  request<R extends RequestOf<Exclude<ClientAction, ManagedAction>>>(request: R): Promise<ReplyTo<R>> {
    return this.#request(request);
  }

  // ─── Connections ─────────────────────────────────────────────────────────────────────────────────

  async #attemptConnection(): Promise<void> {
    if (this.#attempting || this.#handingOver || this.#primary || this.#state === 'closed') return;
    this.#clear('retry');
    // Offline: look again later (or at the `online` event) rather than spend attempts.
    if (this.#o.environment && !this.#o.environment.online()) {
      this.#arm('retry', this.#o.backoff.maxMs, () => void this.#attemptConnection());
      return;
    }
    this.#attempting = true;
    let connection: Connection;
    try {
      connection = await this.#open();
    } catch (error) {
      this.#attempting = false;
      this.#failed(error);
      return;
    }
    this.#attempting = false;
    this.#adopt(connection);
  }

  /** Opens a connection and resolves on its welcome. */
  async #open(): Promise<Connection> {
    const o = this.#o;
    const token = await this.#tokens.token(this.#freshToken);
    let url = o.wsUrl;
    let protocols: string[] | undefined;
    if (o.connectWith === 'ticket') {
      const ticket = await fetchTicket(o.fetch, o.httpUrl, token);
      url += `${url.includes('?') ? '&' : '?'}ticket=${encodeURIComponent(ticket)}`;
    } else {
      protocols = [PROTOCOL_VERSION, token];
    }
    if (this.#state === 'closed') throw new ClosedError('the client was closed');
    const connection = new Connection(new o.WebSocket(url, protocols), this.#connectionHost, o.timeoutMs);
    this.#opening = connection;
    try {
      return await connection.ready;
    } finally {
      if (this.#opening === connection) this.#opening = undefined;
    }
  }

  #failed(error: unknown): void {
    if (this.#state === 'closed') return;
    const failure = asParleyError(error);
    if (
      isTerminal(failure) ||
      (failure instanceof NetworkError && (failure.status === 400 || failure.status === 403))
    ) {
      this.#stop(failure);
      return;
    }
    // Browsers hide handshake statuses: any failed attempt may be a refused token, so the next one is fresh.
    this.#freshToken = true;
    if (
      failure instanceof NetworkError &&
      failure.status === 401 &&
      ++this.#authRefusals >= MAX_AUTH_REFUSALS
    ) {
      this.#stop(
        new AuthenticationError(
          `the handshake refused a fresh token ${MAX_AUTH_REFUSALS} times in a row`,
          401,
        ),
      );
      return;
    }
    this.#retryLater(failure);
  }

  #retryLater(error: ParleyError): void {
    if (this.#attempt >= this.#o.maxRetries) {
      this.#stop(error);
      return;
    }
    const delayMs = Math.max(this.#backoff(this.#attempt++), (error as NetworkError).retryAfterMs ?? 0);
    this.#setState('reconnecting', error);
    this.#events.emit('retry', { attempt: this.#attempt, delayMs, error });
    this.#arm('retry', delayMs, () => void this.#attemptConnection());
  }

  /** Makes `connection` the one requests go out on; retires the previous one. */
  #adopt(connection: Connection): void {
    if (this.#state === 'closed') {
      connection.close();
      return;
    }
    const previous = this.#primary;
    this.#primary = connection;
    this.#freshToken = false;
    this.#authRefusals = 0;
    this.user = connection.welcome;
    this.#setState('connected');
    this.#started?.resolve();
    this.#started = undefined;
    this.#arm('handover', this.#o.handoverAfterMs, () => void this.#handover());
    this.#armPing();
    if (previous && !previous.closed) this.#retire(previous);
    for (const room of this.#rooms.values()) {
      void room.attach(connection);
      room.pump();
    }
    this.#requests.flush();
  }

  /** An established connection closed. */
  #lost(connection: Connection): void {
    this.#requests.lost(connection);
    this.#retiring.delete(connection);
    for (const room of this.#rooms.values()) room.detach(connection);
    if (this.#state === 'closed') return;
    if (connection === this.#successor) {
      this.#successor = undefined;
      this.#arm('handover', this.#backoff(this.#attempt), () => void this.#handover());
      return;
    }
    if (connection !== this.#primary) return;
    this.#primary = undefined;
    this.#clear('ping');
    this.#clear('handover');
    // A connection that lasted starts the backoff afresh; one that keeps dying young backs off further.
    if (this.#o.scheduler.now() - connection.establishedAt >= this.#o.backoff.maxMs) this.#attempt = 0;
    if (connection.closing?.code === 'TOKEN_EXPIRED') this.#freshToken = true;
    const successor = this.#successor;
    if (successor?.open) {
      this.#successor = undefined;
      this.#adopt(successor);
      return;
    }
    const error = new ConnectionLostError(
      connection.closing
        ? `the server closed the connection: ${connection.closing.reason}`
        : 'the connection closed',
    );
    if (this.#handingOver) {
      // its new connection takes over
      this.#setState('reconnecting', error);
      return;
    }
    this.#retryLater(error);
  }

  /**
   * Replaces the connection before API Gateway's 2-hour limit: the new one is opened and every room
   * rejoined on it (with `since`) while the old one still delivers; then it takes over.
   */
  async #handover(): Promise<void> {
    const old = this.#primary;
    if (!old || this.#handingOver || this.#state === 'closed') return;
    this.#handingOver = true;
    let connection: Connection;
    try {
      connection = await this.#open();
    } catch (error) {
      this.#handingOver = false;
      if (this.#stopped()) return;
      const failure = asParleyError(error);
      if (isTerminal(failure)) return this.#stop(failure);
      if (this.#primary)
        return this.#arm('handover', this.#backoff(this.#attempt), () => void this.#handover());
      return this.#retryLater(failure); // the old connection was lost meanwhile
    }
    this.#handingOver = false;
    if (this.#primary !== old) return this.#adopt(connection);
    this.#successor = connection;
    await Promise.all([...this.#rooms.values()].map((room) => room.attach(connection, true)));
    if (this.#successor !== connection) return; // lost meanwhile, or promoted when the old one was
    this.#successor = undefined;
    this.#adopt(connection);
  }

  /** A replaced connection closes once the requests it carries are answered (or time out). */
  #retire(connection: Connection): void {
    connection.retiring = true;
    this.#retiring.add(connection);
    connection.closeAfter(this.#o.timeoutMs);
    this.#closeIfIdle(connection);
  }

  #closeIfIdle(connection: Connection): void {
    if (connection.retiring && !this.#requests.awaiting(connection)) connection.close();
  }

  #closing(frame: ClosingFrame, connection: Connection): void {
    connection.closing = frame;
    this.#events.emit('closing', frame);
    if (connection.retiring) return;
    // An expired token is cured by a fresh one, which this client can get; anything else is final.
    if (!frame.reconnect && frame.code !== 'TOKEN_EXPIRED') this.#stop(new ServerClosedError(frame));
  }

  #page(event: PageEvent): void {
    if (this.#state === 'closed') return;
    // After sleep or a network change a socket may be dead without knowing it: ask.
    if (event === 'offline' || event === 'visible') this.#probe();
    if (event === 'online' || event === 'visible') void this.#attemptConnection();
  }

  #armPing(): void {
    const connection = this.#primary;
    if (!connection) return;
    const idle = this.#o.scheduler.now() - connection.lastSentAt;
    this.#arm('ping', Math.max(0, this.#o.pingIntervalMs - idle), () => {
      if (this.#o.scheduler.now() - connection.lastSentAt >= this.#o.pingIntervalMs) this.#probe();
      else this.#armPing();
    });
  }

  /** A ping that must be answered within `timeoutMs`, or the connection is taken for dead. */
  #probe(): void {
    const connection = this.#primary;
    if (!connection) return;
    this.#request({ action: 'ping' }, connection).catch((error) => {
      if (error instanceof TimeoutError) connection.close(4000);
    });
    this.#armPing();
  }

  // ─── Requests ────────────────────────────────────────────────────────────────────────────────────

  #request<R extends RequestOf<ClientAction>>(request: R, pinned?: Connection): Promise<ReplyTo<R>> {
    if (this.#state === 'closed') return Promise.reject(new ClosedError('the client is closed'));
    return this.#requests.send(request, pinned);
  }

  #dispatch(frame: ServerFrame, connection: Connection): void {
    this.#events.emit('frame', frame);
    this.#requests.settle(frame);
    (this.#routes[frame.type] as ((frame: ServerFrame, connection: Connection) => void) | undefined)?.(
      frame,
      connection,
    );
  }

  // ─── Plumbing ────────────────────────────────────────────────────────────────────────────────────

  /** Stops for good: `error` when a failure stopped it, nothing for `close()`. */
  #stop(error?: ParleyError): void {
    if (this.#state === 'closed') return;
    for (const name of [...this.#timers.keys()]) this.#clear(name);
    this.#unwatch?.();
    this.#unwatch = undefined;
    const connections = [this.#primary, this.#successor, this.#opening, ...this.#retiring];
    this.#primary = this.#successor = this.#opening = undefined;
    this.#retiring.clear();
    this.#handingOver = false;
    this.#tokenRefresh.reset();
    this.#state = 'closed';
    for (const connection of connections) connection?.close();
    const closed = error
      ? new ClosedError(`the client stopped: ${error.message}`, { cause: error })
      : new ClosedError('the client was closed');
    this.#requests.fail(closed);
    for (const room of [...this.#rooms.values()]) room.close('closed', closed);
    this.#rooms.clear();
    if (error) this.#events.emit('error', error);
    this.#events.emit('state', 'closed', error);
    this.#started?.reject(error ?? closed);
    this.#started = undefined;
  }

  /** Unlike a comparison of `#state`, not narrowed away by the compiler across an `await`. */
  #stopped(): boolean {
    return this.#state === 'closed';
  }

  #setState(state: ConnectionState, error?: ParleyError): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#events.emit('state', state, error);
  }

  #backoff(attempt: number): number {
    return backoffDelay(attempt, this.#o.backoff, this.#o.random);
  }

  #arm(name: TimerName, ms: number, callback: () => void): void {
    this.#clear(name);
    this.#timers.set(
      name,
      this.#o.scheduler.setTimeout(() => {
        this.#timers.delete(name);
        callback();
      }, ms),
    );
  }

  #clear(name: TimerName): void {
    if (this.#timers.has(name)) this.#o.scheduler.clearTimeout(this.#timers.get(name));
    this.#timers.delete(name);
  }
}

const asParleyError = (error: unknown): ParleyError =>
  error instanceof ParleyError
    ? error
    : new NetworkError(String((error as Error)?.message ?? error), undefined, undefined, { cause: error });
