/**
 * The ports the domain talks through. Adapters in lambdas/adapters implement them with the AWS SDK;
 * unit tests may implement them in memory. Core functions take them as their first `deps` argument.
 */
import type { RoomPublication, ShardDelivery } from './fanout-publications.ts';
import type { Identity } from './identity.ts';
import type { Result } from './result.ts';
import type { Standing } from './room-policy.ts';
import type { PostingPolicy, RoomVisibility } from './wire.ts';

/** A live WebSocket connection as stored at `$connect`. */
export interface ConnectionRecord extends Identity {
  readonly connectionId: string;
  /** Epoch milliseconds. */
  readonly connectedAt: number;
  /** The per-user connection slot it holds, when a cap is enforced. */
  readonly slot?: number;
}

/** One connection's membership of one room. */
export interface RoomMembership {
  readonly room: string;
  readonly connectionId: string;
  readonly userId: string;
  readonly username: string;
  /** Epoch milliseconds. */
  readonly joinedAt: number;
  /**
   * Epoch seconds at which the connection's token expires. The member list leaves the connection out
   * from then on, so an expired token stops receiving broadcasts at once; `reauth` moves it.
   */
  readonly tokenExpiresAt: number;
}

/** What `remove` took away, so callers can tell the rooms the connection left. */
export interface RemovedConnection {
  readonly connection: ConnectionRecord | undefined;
  readonly rooms: readonly string[];
}

export interface ConnectionStore {
  save(connection: ConnectionRecord): Promise<void>;
  find(connectionId: string): Promise<ConnectionRecord | undefined>;
  /** Deletes the connection, every membership it holds and its slot. Idempotent: removing twice is harmless. */
  remove(connectionId: string): Promise<RemovedConnection>;
  /**
   * Replaces the token-derived identity after a re-authentication of the same user, on the connection
   * and on each of its memberships (so the room member lists include it until the new expiry). Takes
   * the record the caller already read (its `connectedAt` fixes the sweep time), so no second read is
   * needed; the rooms the connection is in, or 'gone' when the connection was removed meanwhile.
   */
  updateIdentity(
    connection: ConnectionRecord,
    identity: Identity,
  ): Promise<{ readonly rooms: readonly string[] } | 'gone'>;
  /** Records that the reauth notice for this token expiry was sent; false if it already was (or the token changed). */
  markReauthNotice(connectionId: string, tokenExpiresAt: number): Promise<boolean>;
  /** A user's live connections, page by page (the byUser index; `groups` are not projected there). */
  ofUser(username: string): AsyncIterable<readonly ConnectionRecord[]>;
  /** Connections whose token expires, or whose 2-hour limit passes, at or before `until` (epoch seconds). */
  due(until: number): AsyncIterable<readonly ConnectionRecord[]>;
}

/**
 * How adding a connection to a room ended: added, already there, or refused because the connection
 * is gone, already in as many rooms as allowed, or the room changed meanwhile (deleted, or deleted and
 * created again under a new epoch).
 */
export type JoinOutcome = 'joined' | 'already-member' | 'connection-gone' | 'room-limit' | 'room-changed';
export type LeaveOutcome = 'left' | 'not-member';

/** A user's presence in a room changed: whether this was their first (or last) connection, and the count after. */
export interface PresenceChange {
  /** First connection of the user in the room (on add), or last (on remove). */
  readonly userChanged: boolean;
  /** Users in the room after the change. */
  readonly members: number;
}

/** One user present in a room. */
export interface PresentUser {
  readonly userId: string;
  readonly username: string;
  readonly connections: number;
  /** Epoch milliseconds at which the user's first connection joined. */
  readonly since: number;
}

/** Room membership, connection by connection, and presence, user by user. */
export interface RoomStore {
  /**
   * Adds the membership only while the connection exists and the room still has `epoch`, and only while
   * the connection is in fewer than `maxRoomsPerConnection` rooms.
   */
  join(
    membership: RoomMembership,
    limits: { readonly epoch: string; readonly maxRoomsPerConnection: number },
  ): Promise<JoinOutcome>;
  leave(room: string, connectionId: string): Promise<LeaveOutcome>;
  isMember(room: string, connectionId: string): Promise<boolean>;
  /** The connection's membership of the room, with the epoch it joined; undefined when not a member. */
  membershipOf(room: string, connectionId: string): Promise<{ readonly epoch: string } | undefined>;
  /**
   * Connection ids of the room's members whose token has not expired, page by page (each page one
   * strongly consistent Query response: a member whose join completed before the read is in it).
   * `shard` reads one shard's range only (member-shards.ts); `pageSize` caps each page.
   */
  recipients(
    room: string,
    options?: { readonly shard?: number; readonly pageSize?: number },
  ): AsyncIterable<readonly string[]>;
  /**
   * Adds a connection to its user's presence in the room. The first connection of a user counts the
   * user in, refused with 'full' when the room already has `maxMembers` users.
   */
  addPresence(
    room: string,
    who: { readonly userId: string; readonly username: string },
    connectionId: string,
    now: number,
    maxMembers: number,
  ): Promise<PresenceChange | 'full'>;
  /** Removes a connection from its user's presence; the last one counts the user out. Idempotent. */
  removePresence(room: string, username: string, connectionId: string): Promise<PresenceChange>;
  /** A page of the users present, by username; `cursor` continues after the previous page. */
  presence(
    room: string,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ readonly users: readonly PresentUser[]; readonly cursor?: string } | 'bad-cursor'>;
  /** A user present in the room: their id and connections (from their presence); undefined when absent. */
  presentUser(
    room: string,
    username: string,
  ): Promise<{ readonly userId: string; readonly connections: readonly string[] } | undefined>;
  /**
   * Deletes every item of the room's partition (members, presence, roles, invitations, bans) and the
   * connection side of each membership; returns the member connections it removed.
   */
  clear(room: string): Promise<readonly string[]>;
}

/** A room as stored: what policy needs, and what clients are shown. */
export interface RoomRecord {
  readonly room: string;
  readonly title: string;
  readonly visibility: RoomVisibility;
  readonly posting: PostingPolicy;
  /** Username of the owner. */
  readonly owner: string;
  /** Changes when the room is deleted and created again; sequence numbers belong to an epoch. */
  readonly epoch: string;
  /** Users in the room now. */
  readonly members: number;
  /** Epoch milliseconds. */
  readonly createdAt: number;
}

export type RoomChanges = Partial<Pick<RoomRecord, 'title' | 'visibility' | 'posting'>>;

export interface Ban {
  /** Epoch milliseconds the ban ends; `Infinity` for no end. */
  readonly until: number;
  readonly reason: string;
  readonly by: string;
}

/** Rooms and who stands where in them: roles, invitations, bans; and the listing. */
export interface RoomDirectory {
  describe(room: string): Promise<RoomRecord | undefined>;
  /** Stores a new room with its sequence counter; 'exists' when the name is taken. */
  create(record: RoomRecord): Promise<'created' | 'exists'>;
  /** Applies changes while the room still has `epoch`; the room after, or 'gone'. */
  update(room: string, epoch: string, changes: RoomChanges): Promise<RoomRecord | 'gone'>;
  /** Deletes the room item and its sequence counter while the room still has `epoch`. */
  remove(room: string, epoch: string): Promise<'removed' | 'gone'>;
  /** A page of rooms the viewer may see, by name. */
  list(
    viewer: { readonly username: string; readonly seesPrivate: boolean },
    cursor: string | undefined,
    limit: number,
  ): Promise<{ readonly rooms: readonly RoomRecord[]; readonly cursor?: string } | 'bad-cursor'>;
  standingOf(room: string, username: string): Promise<Standing>;
  setModerator(room: string, username: string, moderator: boolean): Promise<void>;
  setInvited(room: string, username: string, invited: boolean, by: string): Promise<void>;
  setBan(room: string, username: string, ban: Ban | undefined): Promise<void>;
  /**
   * Claims the right to announce the room's occupancy now (none announced within `intervalMs`), or
   * else the one delayed announcement that follows; 'none' when both are taken.
   */
  claimOccupancy(room: string, now: number, intervalMs: number): Promise<'now' | 'later' | 'none'>;
  /** Releases the delayed announcement's claim and records it as announced now. */
  releaseOccupancy(room: string, now: number): Promise<void>;
}

/** A room's numbering state: its epoch and the last number taken (and when). */
export interface RoomSequence {
  readonly epoch: string;
  readonly seq: number;
  /** Epoch milliseconds the last number was taken. */
  readonly seqAt: number;
  /**
   * The room's fan-out went through shards once in this epoch, and so always will: going back to posting
   * directly could overtake frames still queued for a shard.
   */
  readonly sharded: boolean;
}

/** Why no number was taken. */
export type NumberRefusal =
  /** The room was deleted (and maybe created again) since the caller read it. */
  | { readonly reason: 'RoomChanged' }
  /** An announcement room, and the caller was not vouched for as privileged. */
  | { readonly reason: 'ModeratorsOnly' }
  /** The room's publish rate is spent; `retryAfterMs` until the next number. */
  | { readonly reason: 'RoomBusy'; readonly retryAfterMs: number };

/** A message as stored. */
export interface MessageRecord {
  readonly seq: number;
  readonly id: string;
  readonly content: string;
  readonly userId: string;
  readonly username: string;
  /** Epoch milliseconds. */
  readonly sentAt: number;
  readonly clientMsgId?: string;
}

/** The tombstone standing in for a deleted message, or for a number a failed send left unused. */
export interface TombstoneRecord {
  readonly seq: number;
  readonly deleted: true;
  /** Who deleted the message; absent for a number nothing was ever stored under. */
  readonly by?: string;
  /** Epoch milliseconds: when the message was sent, or when the unused number was filled. */
  readonly sentAt: number;
}

export type HistoryRecord = MessageRecord | TombstoneRecord;

/** The message a sent-message record points to (idempotent sends). */
export interface SentMessage {
  readonly seq: number;
  readonly id: string;
  /** Epoch milliseconds of the first send. */
  readonly sentAt: number;
}

/**
 * A room's numbering and its stored messages, one partition per room and epoch. Every number from 1 to
 * the room's last is either a message or a tombstone once written; a number a failed send left unused
 * is missing until someone fills it with a tombstone.
 */
export interface MessageHistory {
  /** The room's numbering state, strongly consistent; undefined for a room that does not exist. */
  sequence(room: string): Promise<RoomSequence | undefined>;
  /**
   * Takes the room's next number: one conditional update that also checks the epoch, the posting
   * policy (`privileged` callers pass an announcement room) and the room's publish rate.
   */
  nextNumber(
    room: string,
    epoch: string,
    options: { readonly privileged: boolean; readonly now: number },
  ): Promise<Result<RoomSequence, NumberRefusal>>;
  /**
   * Records that `userId` sent `clientMsgId` as message `sent`; the record of the first send when one
   * already exists.
   */
  recordSent(
    room: string,
    epoch: string,
    userId: string,
    clientMsgId: string,
    sent: SentMessage,
    now: number,
  ): Promise<Result<undefined, SentMessage>>;
  /** Forgets a sent-message record (its message could not be stored, so a retry must get a new number). */
  forgetSent(room: string, epoch: string, userId: string, clientMsgId: string): Promise<void>;
  /** Stores a message under its number; 'taken' when the number already holds a tombstone or a message. */
  store(room: string, epoch: string, message: MessageRecord): Promise<'stored' | 'taken'>;
  /** Puts a tombstone under a number nothing was stored under; 'taken' when something is there. */
  fillHole(room: string, epoch: string, seq: number, now: number): Promise<'filled' | 'taken'>;
  /** Replaces a stored message by a tombstone naming who deleted it; 'absent' when there is no message. */
  markDeleted(room: string, epoch: string, seq: number, by: string): Promise<'deleted' | 'absent'>;
  get(room: string, epoch: string, seq: number): Promise<HistoryRecord | undefined>;
  /** Records that the room's fan-out goes through shards from now on in this epoch (RoomSequence.sharded). */
  markSharded(room: string, epoch: string): Promise<void>;
  /**
   * Unexpired records with numbers in (after, before), ascending, at most `limit`; `fromEnd` takes the
   * last `limit` of the range instead of the first.
   */
  read(
    room: string,
    epoch: string,
    range: {
      readonly after: number;
      readonly before: number;
      readonly limit: number;
      readonly fromEnd?: boolean;
    },
    now: number,
  ): Promise<readonly HistoryRecord[]>;
}

/** Rooms created per user: a token bucket like the connection's, one per user. */
export interface CreationLimiter {
  consume(userId: string, now: number): Promise<Result<undefined, { readonly retryAfterMs: number }>>;
}

/** Who holds one of a user's connection slots. */
export interface SlotHolder {
  readonly slot: number;
  readonly connectionId: string;
  /** Epoch milliseconds. */
  readonly claimedAt: number;
}

/** The slot claimed, or every slot's holder when all are taken. */
export type SlotClaim = Result<{ readonly slot: number }, { readonly holders: readonly SlotHolder[] }>;

/**
 * A user's concurrent-connection slots, numbered 0 … cap − 1. Claiming is a conditional write per slot,
 * so across every Lambda instance at most `cap` connections of a user hold one.
 */
export interface ConnectionSlots {
  claim(userId: string, connectionId: string, cap: number): Promise<SlotClaim>;
  /** Frees the slot only if `connectionId` still holds it. */
  release(userId: string, slot: number, connectionId: string): Promise<void>;
}

/**
 * What a post did. Throttling (429) and refusals for good (403, 413) are thrown as
 * ConnectionThrottledError and PostRejectedError (errors.ts), other failures as they come.
 */
export type PostOutcome = 'delivered' | 'gone';

/** API Gateway's @connections API. */
export interface ConnectionGateway {
  post(connectionId: string, data: Uint8Array | string): Promise<PostOutcome>;
  disconnect(connectionId: string): Promise<PostOutcome>;
  /** Asks API Gateway whether the connection is still open (GET @connections/{id}). */
  probe(connectionId: string): Promise<'open' | 'gone'>;
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type Clock = () => number;

/** Why a frame was not admitted. */
export type AdmissionRefusal =
  | { readonly reason: 'ConnectionUnknown' }
  | {
      readonly reason: 'RateLimited';
      readonly retryAfterMs: number;
      /** Refusals in a row, this one included; an admitted frame resets the run. */
      readonly consecutive: number;
    };

/**
 * The first step of every frame, valid or not: who sent it (the stored connection), and whether the
 * connection's rate allows it (rate-limit.ts). Metered at `receivedAt`, when API Gateway received the
 * frame, so a backlog on the server's side is never charged to the client.
 */
export interface CallerGate {
  admit(connectionId: string, receivedAt: number): Promise<Result<ConnectionRecord, AdmissionRefusal>>;
}

/** Why a token was refused: the failed check by name, never the token, and whose fault it was. */
export interface TokenRejection {
  readonly reason: string;
  /**
   * `client` when the token is at fault; `server` when verification could not run (key set unreachable,
   * misconfiguration). A client must be able to tell "your credential is bad" from "try again later".
   */
  readonly fault: 'client' | 'server';
}

/** Verifies a bearer token and says who it belongs to. */
export interface TokenVerifier {
  verify(token: string): Promise<Result<Identity, TokenRejection>>;
}

/**
 * One-time connection tickets (see connection-tickets.ts). `save` stores the identity under a sealed
 * ticket until `validUntil` (epoch milliseconds); `redeem` returns that identity at most once, and only
 * while the ticket is valid — a replayed, unknown or expired ticket gives `undefined`.
 */
export interface TicketStore {
  save(ticket: string, identity: Identity, validUntil: number): Promise<void>;
  redeem(ticket: string): Promise<Identity | undefined>;
}

/** Publications waiting for their room's sequencer: one FIFO group per room (fanout-publications.ts). */
export interface PublicationQueue {
  /** Queues in order; resolves once the queue holds them all. */
  publish(publications: readonly RoomPublication[]): Promise<void>;
}

/** Deliveries to one shard of a large room's members: one FIFO group per room and shard. */
export interface DeliveryQueue {
  /**
   * Queues in order. `batchId` names the sequencer's batch they came from: the same batch queued again
   * (its retry) is recognised and not delivered twice.
   */
  enqueue(deliveries: readonly ShardDelivery[], batchId: string): Promise<void>;
}

/**
 * The account's @connections request budget, shared by every instance (API Gateway's quota is per
 * account and Region, and every post counts against it).
 */
export interface PostBudget {
  /** Takes `posts` requests from the budget; resolves to the milliseconds to wait before making them. */
  reserve(posts: number, now: number): Promise<number>;
}
