/**
 * A scripted Parley for SDK tests: the HTTP API (/login, /refresh, /ticket, /logout) and WebSocket
 * connections that speak protocol v1 exactly. Every frame the SDK sends is parsed with the server's
 * own parser (lambdas/core/protocol.ts); a frame it refuses is recorded in `violations`, which every
 * test asserts empty. Frames sent to the SDK are typed as wire.ts `ServerFrame`s.
 *
 * By default it behaves like a small, correct Parley (rooms numbered per epoch, idempotent sends by
 * `clientMsgId`, catch-up with `since`, history pages); `handle(action, fn)` replaces the behaviour
 * of one action so a test can script refusals, delays and out-of-order deliveries.
 */

import type { FetchLike, PageEnvironment, PageEvent, WebSocketLike } from '../../../client/src/index.ts';
import { parseClientFrame } from '../../../lambdas/core/protocol.ts';
import type {
  ClientAction,
  ClientRequest,
  HistoryEntry,
  MessageFrame,
  ServerFrame,
  StoredMessage,
} from '../../../lambdas/core/wire.ts';
import type { ManualScheduler } from './manual-scheduler.ts';

export interface HttpCall {
  readonly path: string;
  readonly body: Record<string, unknown>;
  readonly authorization?: string;
}

export interface HttpAnswer {
  readonly status: number;
  readonly body?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
}

export interface FakeRoom {
  epoch: string;
  seq: number;
  /** Stored messages and tombstones by number; numbers below `oldest` have expired. */
  readonly stored: Map<number, HistoryEntry>;
  oldest: number;
  readonly byClientMsgId: Map<string, StoredMessage>;
}

type Handler = (request: ClientRequest & { requestId?: string }, socket: FakeSocket) => void;

/** Handshake outcomes for the next sockets, in order; after them every socket is accepted. */
export type Handshake = 'accept' | 'silent' | { readonly refuse: number };

const USERS: Record<string, { userId: string; password: string }> = {
  alice: { userId: 'sub-alice', password: 'password1' },
  bob: { userId: 'sub-bob', password: 'password2' },
};

export class FakeParley {
  readonly sockets: FakeSocket[] = [];
  readonly httpCalls: HttpCall[] = [];
  /** Frames the SDK sent that the server's parser refused. */
  readonly violations: string[] = [];
  readonly rooms = new Map<string, FakeRoom>();
  /** Scripted answers per path, used before the default behaviour. */
  readonly http: Record<string, HttpAnswer[]> = {
    '/login': [],
    '/refresh': [],
    '/ticket': [],
    '/logout': [],
  };
  readonly handshakes: Handshake[] = [];
  /** Whether refused handshakes say their status, as Node's `ws` does (browsers do not). */
  statusVisible = false;
  tokenTtlMs = 3_600_000;
  /** How far the server's clock is ahead of the client's. */
  clockSkewMs = 0;
  /** How many missed messages a join's catch-up replays before saying `complete: false`. */
  replayLimit = 100;
  readonly #tokens = new Map<string, { username: string; expiresAt: number }>();
  readonly #refreshTokens = new Map<string, string>();
  readonly #tickets = new Map<string, string>();
  readonly #handlers = new Map<ClientAction, Handler>();
  #issued = 0;

  constructor(readonly scheduler: ManualScheduler) {}

  // ─── HTTP ────────────────────────────────────────────────────────────────────────────────────────

  readonly fetch: FetchLike = async (url, init) => {
    const path = new URL(url).pathname;
    const body = JSON.parse(init.body ?? '{}') as Record<string, unknown>;
    const authorization = init.headers.authorization;
    this.httpCalls.push({ path, body, ...(authorization ? { authorization } : {}) });
    const answer = this.http[path]?.shift() ?? this.#answer(path, body, authorization);
    return {
      status: answer.status,
      headers: { get: (name: string) => answer.headers?.[name.toLowerCase()] ?? null },
      json: async () => answer.body ?? {},
    };
  };

  #answer(path: string, body: Record<string, unknown>, authorization?: string): HttpAnswer {
    switch (path) {
      case '/login': {
        const user = USERS[String(body.username)];
        if (!user || user.password !== body.password) {
          return { status: 401, body: { message: 'Invalid username or password' } };
        }
        const refreshToken = `refresh-${++this.#issued}`;
        this.#refreshTokens.set(refreshToken, String(body.username));
        return { status: 200, body: { ...this.issueToken(String(body.username)), refreshToken } };
      }
      case '/refresh': {
        const username = this.#refreshTokens.get(String(body.refreshToken));
        return username
          ? { status: 200, body: this.issueToken(username) }
          : { status: 401, body: { message: 'Invalid refresh token' } };
      }
      case '/logout':
        this.#refreshTokens.delete(String(body.refreshToken));
        return { status: 200, body: { message: 'Logged out' } };
      case '/ticket': {
        const token = authorization?.replace(/^Bearer /, '') ?? '';
        if (!this.tokenValid(token)) return { status: 401, body: { message: 'Invalid or expired token' } };
        const ticket = `ticket${String(++this.#issued).padStart(37, '0')}`;
        this.#tickets.set(ticket, token);
        return { status: 200, body: { ticket, expiresIn: 30 } };
      }
      default:
        return { status: 404, body: { message: 'Not found' } };
    }
  }

  /** A token as `/login` and `/refresh` issue it; also for `getToken` tests. */
  issueToken(username = 'alice'): { token: string; expiresIn: number } {
    const token = `token-${++this.#issued}`;
    this.#tokens.set(token, { username, expiresAt: this.scheduler.now() + this.tokenTtlMs });
    return { token, expiresIn: this.tokenTtlMs / 1000 };
  }

  tokenValid(token: string): boolean {
    const known = this.#tokens.get(token);
    return known !== undefined && known.expiresAt > this.scheduler.now();
  }

  revokeRefreshTokens(): void {
    this.#refreshTokens.clear();
  }

  calls(path: string): HttpCall[] {
    return this.httpCalls.filter((call) => call.path === path);
  }

  // ─── WebSocket ───────────────────────────────────────────────────────────────────────────────────

  /** The WebSocket constructor to give the SDK. */
  get WebSocket(): new (
    url: string,
    protocols?: string | string[],
  ) => WebSocketLike {
    const server = this;
    return class extends FakeSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(server, url, protocols);
      }
    };
  }

  /** Sockets the server has not closed and the client has not closed. */
  get open(): FakeSocket[] {
    return this.sockets.filter((socket) => socket.state === 'open');
  }

  /** The newest socket. */
  get last(): FakeSocket {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error('no socket was opened');
    return socket;
  }

  /** @internal */
  connected(socket: FakeSocket): void {
    this.sockets.push(socket);
    const handshake = this.handshakes.shift() ?? 'accept';
    const url = new URL(socket.url);
    const ticket = url.searchParams.get('ticket');
    const token = ticket
      ? this.#tickets.get(ticket)
      : Array.isArray(socket.protocols)
        ? socket.protocols[1]
        : undefined;
    if (ticket) this.#tickets.delete(ticket);
    if (url.searchParams.has('token')) this.violations.push('a token was put in the WebSocket URL');
    const refused =
      typeof handshake === 'object' ? handshake.refuse : token && this.tokenValid(token) ? undefined : 401;
    queueMicrotask(() => {
      if (refused !== undefined) return socket.refuse(refused);
      socket.token = token as string;
      socket.username = this.#tokens.get(socket.token)?.username ?? 'alice';
      socket.accept();
      if (handshake === 'accept') socket.push(this.welcomeFor(socket));
    });
  }

  welcomeFor(socket: FakeSocket): ServerFrame {
    return {
      type: 'welcome',
      message: `Welcome, ${socket.username}!`,
      connectionId: socket.connectionId,
      userId: USERS[socket.username]?.userId ?? 'sub-unknown',
      username: socket.username,
      groups: [],
      roles: [],
      tokenExpiresAt: this.iso(this.#tokens.get(socket.token)?.expiresAt ?? this.scheduler.now()),
      time: this.iso(this.scheduler.now()),
    };
  }

  /** A time of the client's clock as the server writes it. */
  iso(ms: number): string {
    return new Date(ms + this.clockSkewMs).toISOString();
  }

  /** Replaces the behaviour of `action`; the default is still reachable through `defaultHandle`. */
  handle(action: ClientAction, handler: Handler): void {
    this.#handlers.set(action, handler);
  }

  /** @internal A frame the SDK sent. */
  received(socket: FakeSocket, data: string): void {
    const parsed = parseClientFrame(data);
    if (!parsed.success || parsed.data.kind !== 'request') {
      this.violations.push(`refused ${data}: ${parsed.success ? 'plain text' : parsed.error.message}`);
      return;
    }
    const request = parsed.data.request;
    if (request.requestId === undefined) this.violations.push(`no requestId on ${data}`);
    socket.requests.push(request);
    (this.#handlers.get(request.action) ?? this.defaultHandle)(request, socket);
  }

  room(name: string): FakeRoom {
    let room = this.rooms.get(name);
    if (!room) {
      room = { epoch: 'epoch1', seq: 0, stored: new Map(), oldest: 1, byClientMsgId: new Map() };
      this.rooms.set(name, room);
    }
    return room;
  }

  /** Stores a message from `username` and broadcasts it to the room's sockets, as the server would. */
  post(roomName: string, content: string, username = 'bob', clientMsgId?: string): MessageFrame {
    const room = this.room(roomName);
    const stored: StoredMessage = {
      seq: ++room.seq,
      id: `msg-${roomName}-${room.seq}`,
      content,
      userId: USERS[username]?.userId ?? 'sub-unknown',
      username,
      time: this.iso(this.scheduler.now()),
      ...(clientMsgId ? { clientMsgId } : {}),
    };
    room.stored.set(stored.seq, stored);
    if (clientMsgId) room.byClientMsgId.set(`${username}/${clientMsgId}`, stored);
    const frame = this.messageFrame(roomName, stored);
    for (const socket of this.members(roomName)) socket.push(frame);
    return frame;
  }

  messageFrame(roomName: string, stored: StoredMessage, replayed = false): MessageFrame {
    return {
      type: 'message',
      room: roomName,
      epoch: this.room(roomName).epoch,
      ...stored,
      ...(replayed ? { replayed } : {}),
    };
  }

  members(roomName: string): FakeSocket[] {
    return this.open.filter((socket) => socket.rooms.has(roomName));
  }

  /** A small, correct Parley. */
  readonly defaultHandle: Handler = (request, socket) => {
    const { requestId } = request;
    const now = this.iso(this.scheduler.now());
    switch (request.action) {
      case 'ping':
        return socket.push({ type: 'pong', time: now, requestId });
      case 'reauth': {
        const known = request.token ? this.#tokens.get(request.token) : undefined;
        if (!known || known.expiresAt <= this.scheduler.now()) {
          return socket.push({
            type: 'error',
            code: 'TOKEN_INVALID',
            message: 'the token failed verification',
            action: 'reauth',
            requestId,
          });
        }
        socket.token = request.token as string;
        return socket.push({ type: 'reauthenticated', expiresAt: this.iso(known.expiresAt), requestId });
      }
      case 'joinRoom': {
        const room = this.room(request.room);
        const { userId, username } = this.welcomeFor(socket) as { userId: string; username: string };
        for (const other of this.members(request.room)) {
          if (other.username !== username)
            other.push({ type: 'joined', room: request.room, userId, username, time: now });
        }
        socket.rooms.add(request.room);
        const replay: StoredMessage[] = [];
        let recovered: boolean | undefined;
        if (request.since !== undefined) {
          const sameEpoch = request.epoch === room.epoch;
          const from = sameEpoch ? request.since + 1 : 1;
          recovered = sameEpoch && from >= room.oldest;
          for (
            let seq = Math.max(from, room.oldest);
            seq <= room.seq && replay.length < this.replayLimit;
            seq++
          ) {
            const entry = room.stored.get(seq);
            if (entry && !('deleted' in entry)) replay.push(entry);
          }
        }
        const missed =
          request.since === undefined
            ? 0
            : room.seq - Math.max(request.epoch === room.epoch ? request.since : 0, room.oldest - 1);
        socket.push({
          type: 'joined',
          room: request.room,
          userId,
          username,
          time: now,
          requestId,
          self: true,
          epoch: room.epoch,
          seq: room.seq,
          role: 'member',
          visibility: 'public',
          posting: 'everyone',
          title: request.room,
          members: 1,
          ...(request.since !== undefined
            ? { recovered, replay: { count: replay.length, complete: replay.length >= missed } }
            : {}),
        });
        for (const stored of replay) socket.push(this.messageFrame(request.room, stored, true));
        return;
      }
      case 'leaveRoom':
        socket.rooms.delete(request.room);
        return socket.push({
          type: 'left',
          room: request.room,
          userId: 'sub-alice',
          username: socket.username,
          time: now,
          self: true,
          requestId,
        });
      case 'sendMessage': {
        if (!socket.rooms.has(request.room)) {
          return socket.push({
            type: 'error',
            code: 'NOT_A_MEMBER',
            message: 'not a member',
            action: 'sendMessage',
            room: request.room,
            requestId,
          });
        }
        const room = this.room(request.room);
        const seen = request.clientMsgId
          ? room.byClientMsgId.get(`${socket.username}/${request.clientMsgId}`)
          : undefined;
        const stored = seen ?? this.post(request.room, request.content, socket.username, request.clientMsgId);
        return socket.push({
          type: 'ack',
          room: request.room,
          id: stored.id,
          seq: stored.seq,
          epoch: room.epoch,
          requestId,
          ...(request.clientMsgId ? { clientMsgId: request.clientMsgId } : {}),
          ...(seen ? { duplicate: true } : {}),
        });
      }
      case 'history': {
        const room = this.room(request.room);
        const limit = request.limit ?? 50;
        const after = Math.max(request.after ?? 0, room.oldest - 1);
        const before = request.before ?? room.seq + 1;
        const messages: HistoryEntry[] = [];
        for (let seq = after + 1; seq < before && messages.length < limit; seq++) {
          messages.push(room.stored.get(seq) ?? { seq, deleted: true });
        }
        const last = messages.at(-1)?.seq ?? after;
        return socket.push({
          type: 'history',
          room: request.room,
          epoch: room.epoch,
          messages,
          hasMore: last < before - 1,
          requestId,
        });
      }
      default:
        return socket.push({ type: 'done', action: request.action, requestId });
    }
  };
}

export class FakeSocket implements WebSocketLike {
  readyState = 0;
  state: 'connecting' | 'open' | 'closed' = 'connecting';
  token = '';
  username = '';
  readonly connectionId: string;
  readonly requests: ClientRequest[] = [];
  readonly rooms = new Set<string>();
  /** The code the SDK closed with, when it did. */
  closedByClient?: number;

  constructor(
    private readonly server: FakeParley,
    readonly url: string,
    readonly protocols?: string | string[],
  ) {
    this.connectionId = `conn-${server.sockets.length + 1}`;
    server.connected(this);
  }

  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { readonly data: unknown }) => void) | null = null;
  onclose: ((event: { readonly code: number; readonly reason?: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  send(data: string): void {
    if (this.state !== 'open') throw new Error('send on a socket that is not open');
    queueMicrotask(() => this.state === 'open' && this.server.received(this, data));
  }

  close(code = 1000): void {
    if (this.state === 'closed') return;
    this.closedByClient = code;
    this.#closed(code);
  }

  /** Requests of `action` this socket received. */
  sent<A extends ClientAction>(action: A): Extract<ClientRequest, { action: A }>[] {
    return this.requests.filter(
      (request): request is Extract<ClientRequest, { action: A }> => request.action === action,
    );
  }

  // Server side

  accept(): void {
    this.state = 'open';
    this.readyState = 1;
    this.onopen?.({});
  }

  refuse(status: number): void {
    this.onerror?.(this.server.statusVisible ? { message: `Unexpected server response: ${status}` } : {});
    this.#closed(1006);
  }

  push(frame: ServerFrame): void {
    const data = JSON.stringify(frame);
    queueMicrotask(() => this.state === 'open' && this.onmessage?.({ data }));
  }

  /** The server (or the network) closes the connection. */
  drop(code = 1006): void {
    queueMicrotask(() => this.#closed(code));
  }

  #closed(code: number): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.readyState = 3;
    this.rooms.clear();
    this.onclose?.({ code, reason: '' });
  }
}

/** A page environment the test switches. */
export class FakePage implements PageEnvironment {
  isOnline = true;
  readonly #listeners = new Set<(event: PageEvent) => void>();

  online(): boolean {
    return this.isOnline;
  }

  watch(listener: (event: PageEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: PageEvent): void {
    if (event === 'online') this.isOnline = true;
    if (event === 'offline') this.isOnline = false;
    for (const listener of this.#listeners) listener(event);
  }

  get watchers(): number {
    return this.#listeners.size;
  }
}
