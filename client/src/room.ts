/**
 * A joined room: its events, its ordered message stream (sequencer.ts), its send queue (outbox.ts)
 * and the room-scoped requests. The client creates rooms with `join()`, rejoins them after every
 * reconnect with `since` = the last number delivered, and routes room-scoped frames to them.
 */
import type {
  AckFrame,
  ClientAction,
  HistoryFrame,
  JoinedFrame,
  KickedFrame,
  LeftFrame,
  MessageDeletedFrame,
  MessageFrame,
  OccupancyFrame,
  PostingPolicy,
  PresenceFrame,
  RoleChangedFrame,
  RoomDeletedFrame,
  RoomRole,
  RoomUpdatedFrame,
  RoomVisibility,
  ServerFrame,
} from '../../lambdas/core/wire.ts';
import type { Connection } from './connection.ts';
import { Emitter } from './emitter.ts';
import type { Scheduler } from './environment.ts';
import { RefusedError, RoomClosedError, type RoomClosedReason, TimeoutError } from './errors.ts';
import { Outbox } from './outbox.ts';
import type { ReplyTo, RequestOf } from './replies.ts';
import { Sequencer } from './sequencer.ts';

/** `joining` until the server confirms (again after each reconnect), `closed` for good. */
export type RoomState = 'joining' | 'joined' | 'closed';

/** Events of one room. Own actions are not echoed as `joined`/`left`: `join()` and `leave()` settle instead. */
export interface RoomEvents {
  /** A message, in `seq` order, each exactly once (`replayed: true` when it came from catch-up or history). */
  message: [message: MessageFrame];
  /** Another user joined. */
  joined: [frame: JoinedFrame];
  /** Another user left. */
  left: [frame: LeftFrame];
  /** The number of users, sent by large rooms instead of `joined`/`left`. */
  occupancy: [frame: OccupancyFrame];
  /** A presence page the server sent unasked. */
  presence: [frame: PresenceFrame];
  messageDeleted: [frame: MessageDeletedFrame];
  roomUpdated: [frame: RoomUpdatedFrame];
  roleChanged: [frame: RoleChangedFrame];
  /** This user was removed from the room; `closed` follows. */
  kicked: [frame: KickedFrame];
  /** The room was deleted; `closed` follows. */
  roomDeleted: [frame: RoomDeletedFrame];
  /**
   * The room was rejoined after a reconnect. `recovered: false`: the server could not replay
   * everything missed (retention passed, or the room was recreated); `gap` says which numbers.
   */
  resumed: [info: { readonly recovered: boolean; readonly epochChanged: boolean }];
  /** Messages numbered strictly between `after` and `before` are lost for good (never delivered). */
  gap: [info: { readonly after: number; readonly before: number }];
  /** The room stopped: no more events, queued sends are rejected, no rejoin. */
  closed: [info: { readonly reason: RoomClosedReason; readonly error?: Error }];
}

/** @internal What a room needs from its client. */
export interface RoomHost {
  readonly scheduler: Scheduler;
  readonly gapWaitMs: number;
  /** The connection requests go out on, while connected. */
  current(): Connection | undefined;
  request<R extends RequestOf<ClientAction>>(request: R, connection?: Connection): Promise<ReplyTo<R>>;
  /** The wait before retry number `attempt`. */
  backoff(attempt: number): number;
  clientMsgId(): string;
  /** This user's username. */
  me(): string | undefined;
  forget(room: Room): void;
}

/** Refusals that mean the room will not have this user. */
const ignoredOnLeave = new Set<unknown>(['NOT_A_MEMBER', 'ROOM_NOT_FOUND']);

export class Room {
  /** The user's role here, from the join confirmation and `roleChanged`. */
  role?: RoomRole;
  title?: string;
  visibility?: RoomVisibility;
  posting?: PostingPolicy;
  /** Users in the room, from the join confirmation and `occupancy`. */
  members?: number;
  /** Resolves on the first join confirmation; rejects when the join is refused or the room closes first. */
  readonly ready: Promise<Room>;

  readonly #events = new Emitter<RoomEvents>();
  readonly #sequencer: Sequencer;
  readonly #outbox: Outbox;
  #state: RoomState = 'joining';
  #joinedOn?: Connection;
  #joiningOn?: Connection;
  #handover = false;
  #joinedOnce = false;
  /** Closed by `leave()`. */
  #left = false;
  #settle!: (error?: Error) => void;

  /** @internal Created by `ParleyClient.join`. */
  constructor(
    /** The room's name. */
    readonly name: string,
    private readonly host: RoomHost,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.#settle = (error) => (error ? reject(error) : resolve(this));
    });
    this.ready.catch(() => undefined); // the caller of join() sees the rejection
    this.#sequencer = new Sequencer(name, {
      scheduler: host.scheduler,
      gapWaitMs: host.gapWaitMs,
      deliver: (message) => this.#events.emit('message', message),
      lost: (after, before) => this.#events.emit('gap', { after, before }),
      page: (after) => host.request({ action: 'history', room: name, after, limit: 100 }),
    });
    this.#outbox = new Outbox({
      ready: () => this.#joinedOn !== undefined && this.#joinedOn === host.current(),
      request: (request) => host.request(request as RequestOf<'sendMessage'>),
      scheduler: host.scheduler,
      backoff: host.backoff,
    });
  }

  /** `joining` until confirmed (again after each reconnect), `joined`, or `closed` for good. */
  get state(): RoomState {
    return this.#state;
  }

  /** The room's epoch (changes when it is deleted and recreated). */
  get epoch(): string | undefined {
    return this.#sequencer.epoch;
  }

  /** The number of the last message delivered; rejoins ask for everything after it. */
  get lastSeq(): number {
    return this.#sequencer.last;
  }

  /** Sends still waiting for their ack. */
  get pendingSends(): number {
    return this.#outbox.size;
  }

  /** Calls `listener` on every `event` until the returned function is called. */
  on<K extends keyof RoomEvents>(event: K, listener: (...args: RoomEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Stops calling `listener`. */
  off<K extends keyof RoomEvents>(event: K, listener: (...args: RoomEvents[K]) => void): void {
    this.#events.off(event, listener);
  }

  /**
   * Sends a message and resolves with the server's `ack` (`{ id, seq, epoch … }`) once it is stored.
   * Sends are queued in order and survive reconnects: each carries a `clientMsgId`, so however often
   * it is retransmitted the room gets it exactly once. Rejects with {@link RefusedError} when the
   * server refuses it for good (`FORBIDDEN`, `NOT_A_MEMBER` …; `RATE_LIMITED` and `ROOM_BUSY` are
   * waited out), or {@link RoomClosedError} / `ClosedError` when the room or client closes first.
   */
  send(content: string): Promise<AckFrame> {
    if (this.#state === 'closed') return Promise.reject(new RoomClosedError(this.name, 'closed'));
    return this.#outbox.push({
      action: 'sendMessage',
      room: this.name,
      content,
      clientMsgId: this.host.clientMsgId(),
    });
  }

  /** A page of stored messages, oldest first; `before`/`after` are exclusive sequence numbers. */
  history(page: { before?: number; after?: number; limit?: number } = {}): Promise<HistoryFrame> {
    return this.host.request({ action: 'history', room: this.name, ...page });
  }

  /** Who is in the room, a page at a time. */
  presence(cursor?: string): Promise<PresenceFrame> {
    return this.host.request({ action: 'presence', room: this.name, ...(cursor ? { cursor } : {}) });
  }

  /** Changes the room's title, visibility or posting policy (owner, moderators, admins). */
  update(changes: {
    title?: string;
    visibility?: RoomVisibility;
    posting?: PostingPolicy;
  }): Promise<RoomUpdatedFrame> {
    return this.host.request({ action: 'updateRoom', room: this.name, ...changes });
  }

  /** Deletes the room for everyone (owner, admins). */
  delete(): Promise<RoomDeletedFrame> {
    return this.host.request({ action: 'deleteRoom', room: this.name });
  }

  /** Invites a user to this (private) room; they get `invited`. Resolves with `done`. */
  invite(username: string) {
    return this.host.request({ action: 'invite', room: this.name, username });
  }

  /** Withdraws an invitation; a user already in through it is removed (`kicked`). */
  uninvite(username: string) {
    return this.host.request({ action: 'uninvite', room: this.name, username });
  }

  /** Removes a user from the room (they may rejoin unless banned). */
  kick(username: string, reason?: string) {
    return this.host.request({ action: 'kick', room: this.name, username, ...(reason ? { reason } : {}) });
  }

  /** Bans for `seconds`, or until `unban` without it. */
  ban(username: string, options: { seconds?: number; reason?: string } = {}) {
    return this.host.request({ action: 'ban', room: this.name, username, ...options });
  }

  /** Lifts a ban. */
  unban(username: string) {
    return this.host.request({ action: 'unban', room: this.name, username });
  }

  /** Makes a user a moderator of this room, or a member again (owner, admins). */
  setRole(username: string, role: 'moderator' | 'member') {
    return this.host.request({ action: 'setRole', room: this.name, username, role });
  }

  /** Deletes message `seq` (its sender, moderators); history keeps a tombstone. */
  deleteMessage(seq: number): Promise<MessageDeletedFrame> {
    return this.host.request({ action: 'deleteMessage', room: this.name, seq });
  }

  /**
   * Leaves: the room closes at once (queued sends are rejected, it is not rejoined), then the server
   * is told, when connected.
   */
  async leave(): Promise<void> {
    if (this.#state === 'closed') return;
    // Mid-handover the room can be joined on two connections: leave on both, or a ghost stays behind.
    const connections = new Set([this.#joinedOn, this.#joiningOn].filter((connection) => connection?.open));
    this.#left = true;
    this.close('left');
    await Promise.all([...connections].map((connection) => this.#leaveOn(connection as Connection)));
  }

  #leaveOn(connection: Connection): Promise<void> {
    return this.host.request({ action: 'leaveRoom', room: this.name }, connection).then(
      () => undefined,
      (error: Error) => {
        if (error instanceof RefusedError && !ignoredOnLeave.has(error.code)) throw error;
      },
    );
  }

  /** @internal Joins on `connection`: with `since` and `epoch` after the first time. Never rejects. */
  attach(connection: Connection, handover = false): Promise<void> {
    if (this.#state === 'closed' || this.#joinedOn === connection || this.#joiningOn === connection) {
      return Promise.resolve();
    }
    this.#joiningOn = connection;
    this.#handover = handover;
    const { last, epoch } = this.#sequencer;
    const resume = this.#joinedOnce && epoch !== undefined ? { since: last, epoch } : {};
    return this.host.request({ action: 'joinRoom', room: this.name, ...resume }, connection).then(
      // A reply without `self` (an older server) is applied here; with it, it was applied on arrival.
      (frame) => {
        if (this.#joiningOn === connection) this.#apply(frame, connection);
        // Left while this join was under way: the server may have applied the join after the leave.
        else if (this.#left && connection.open) void this.#leaveOn(connection).catch(() => undefined);
      },
      (error: Error) => {
        if (this.#joiningOn !== connection) return;
        this.#joiningOn = undefined;
        // A refusal is final, and so is a first join's timeout (its caller is waiting); a rejoin's timeout
        // asks again, and a lost connection rejoins with the next one.
        if (error instanceof RefusedError || (error instanceof TimeoutError && !this.#joinedOnce)) {
          this.close('refused', error);
        } else if (connection.open && !handover) return this.attach(connection);
        return undefined;
      },
    );
  }

  /** @internal The connection closed. */
  detach(connection: Connection): void {
    if (this.#joiningOn === connection) this.#joiningOn = undefined;
    if (this.#joinedOn !== connection) return;
    this.#joinedOn = undefined;
    if (this.#state !== 'closed') this.#state = 'joining';
    this.#sequencer.suspend();
  }

  /** @internal Sends what is queued, if the room is ready. */
  pump(): void {
    this.#outbox.pump();
  }

  /** @internal */
  acked(ack: AckFrame): void {
    this.#outbox.acked(ack);
  }

  /** @internal A room-scoped frame. */
  handle(frame: ServerFrame, connection: Connection): void {
    if (this.#state === 'closed') return;
    switch (frame.type) {
      case 'joined':
        if (!frame.self) {
          this.#events.emit('joined', frame);
          return;
        }
        if (this.#joiningOn === connection) this.#apply(frame, connection);
        return;
      case 'left':
        if (frame.self) this.close('left');
        else this.#events.emit('left', frame);
        return;
      case 'message':
        this.#sequencer.accept(frame);
        return;
      case 'occupancy':
        this.members = frame.count;
        this.#events.emit('occupancy', frame);
        return;
      case 'roomUpdated':
        ({ title: this.title, visibility: this.visibility, posting: this.posting } = frame);
        this.#events.emit('roomUpdated', frame);
        return;
      case 'roleChanged':
        if (frame.username === this.host.me()) this.role = frame.role;
        this.#events.emit('roleChanged', frame);
        return;
      case 'kicked':
        this.#events.emit('kicked', frame);
        this.close('kicked');
        return;
      case 'roomDeleted':
        this.#events.emit('roomDeleted', frame);
        this.close('deleted');
        return;
      case 'messageDeleted':
      case 'presence':
        this.#events.emit(frame.type, frame as never);
        return;
    }
  }

  /** @internal Closes for good; queued sends are rejected with `error`, or a {@link RoomClosedError}. */
  close(reason: RoomClosedReason, error?: Error): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#joinedOn = this.#joiningOn = undefined;
    this.#sequencer.stop();
    const closed =
      error && reason === 'closed' ? error : new RoomClosedError(this.name, reason, { cause: error });
    this.#outbox.fail(closed);
    this.host.forget(this);
    // A join that never succeeded rejects with what stopped it (the refusal, the timeout, the client's close).
    this.#settle(error && !this.#joinedOnce ? error : closed);
    this.#events.emit('closed', { reason, ...(error ? { error } : {}) });
  }

  #apply(frame: JoinedFrame, connection: Connection): void {
    this.#joiningOn = undefined;
    this.#joinedOn = connection;
    this.#state = 'joined';
    ({ role: this.role, title: this.title, visibility: this.visibility, posting: this.posting } = frame);
    this.members = frame.members;
    const first = !this.#joinedOnce;
    this.#joinedOnce = true;
    const epochChanged = this.#sequencer.joined(frame, first);
    if (first) this.#settle();
    else {
      const recovered = !epochChanged && frame.recovered === true;
      if (!(recovered && this.#handover)) this.#events.emit('resumed', { recovered, epochChanged });
    }
    this.#outbox.pump();
  }
}
