/**
 * Parley's wire protocol, version 1: every frame a client may send and every frame the server sends,
 * as types, with the limits both ends enforce. The server (lambdas/core), the client SDK (client/), the
 * web page and the CLI all import this one module, so the two ends of a socket cannot disagree; the
 * README's Protocol section documents each frame.
 *
 * Browser-safe on purpose: no Node APIs, no imports beyond other browser-safe modules.
 *
 * Conventions:
 * - every JSON request may carry `requestId` (1–64 characters); the caller gets exactly one reply
 *   frame carrying it: the action's own reply (`joined`, `ack`, `history` …), `done`, or `error`;
 * - broadcasts (`message`, `joined`, `left` …) carry no `requestId`;
 * - times are ISO 8601 UTC strings; sequence numbers are integers from 1, per room and epoch;
 * - users are addressed by `username` (unique per issuer); `userId` is the token's `sub`.
 */
import type { ErrorCode } from './error-codes.ts';

/** The subprotocol a client offers (with its token as a second value) and the server echoes. */
export const PROTOCOL_VERSION = 'parley.v1';

// ─── Limits ──────────────────────────────────────────────────────────────────────────────────────

/** Largest frame a client may send (API Gateway's frame limit). */
export const MAX_FRAME_BYTES = 32 * 1024;
/** Message content, in UTF-8 bytes; JSON escaping at most doubles it, keeping frames under 32 KB. */
export const MAX_CONTENT_BYTES = 8 * 1024;
export const MAX_REQUEST_ID_LENGTH = 64;
export const MAX_CLIENT_MSG_ID_LENGTH = 64;
/** Tokens longer than this are refused unread (as at the handshake). */
export const MAX_TOKEN_LENGTH = 8 * 1024;
export const MAX_TITLE_LENGTH = 100;
export const MAX_REASON_LENGTH = 200;
export const MAX_CURSOR_LENGTH = 1024;
/** A ban lasts at most a year; without `seconds` it lasts until `unban`. */
export const MAX_BAN_SECONDS = 365 * 24 * 3600;
/** `history` pages hold 1 to 100 messages (50 when `limit` is left out). */
export const MAX_HISTORY_PAGE = 100;
export const DEFAULT_HISTORY_PAGE = 50;
/** `presence` pages hold at most this many users. */
export const PRESENCE_PAGE_SIZE = 100;

// ─── Shared vocabulary ───────────────────────────────────────────────────────────────────────────

/** Public rooms: any authenticated user may join and read. Private: owner, invited, moderators, admins. */
export type RoomVisibility = 'public' | 'private';
/** `moderators` makes an announcement room: members read, only owner and moderators post. */
export type PostingPolicy = 'everyone' | 'moderators';
/** A user's role in one room. */
export type RoomRole = 'owner' | 'moderator' | 'member';
/** Roles that come from the token's groups and apply in every room. */
export type GlobalRole = 'admin' | 'moderator';

// ─── Client → server ─────────────────────────────────────────────────────────────────────────────

interface Request<A extends string> {
  readonly action: A;
  /** Echoed on the one reply this request causes. */
  readonly requestId?: string;
}

/** Joins a room (creating a public one owned by the caller if the name is unknown). */
export interface JoinRoomRequest extends Request<'joinRoom'> {
  readonly room: string;
  /** Replay every stored message with `seq` greater than this, then the live stream. */
  readonly since?: number;
  /** The epoch `since` belongs to; a different current epoch means the room was recreated. */
  readonly epoch?: string;
}
export interface LeaveRoomRequest extends Request<'leaveRoom'> {
  readonly room: string;
}
export interface SendMessageRequest extends Request<'sendMessage'> {
  readonly room: string;
  readonly content: string;
  /** 1–64 visible ASCII characters; a repeat by the same user to the same room creates no second message. */
  readonly clientMsgId?: string;
}
export interface PingRequest extends Request<'ping'> {}
/** Extends a live connection: exactly one of a fresh `token` or a one-time `ticket` of the same user. */
export interface ReauthRequest extends Request<'reauth'> {
  readonly token?: string;
  readonly ticket?: string;
}
export interface CreateRoomRequest extends Request<'createRoom'> {
  readonly room: string;
  /** @default 'public' */
  readonly visibility?: RoomVisibility;
  /** @default 'everyone' */
  readonly posting?: PostingPolicy;
  /** @default the room name */
  readonly title?: string;
}
/** At least one of `visibility`, `posting`, `title`. */
export interface UpdateRoomRequest extends Request<'updateRoom'> {
  readonly room: string;
  readonly visibility?: RoomVisibility;
  readonly posting?: PostingPolicy;
  readonly title?: string;
}
export interface DeleteRoomRequest extends Request<'deleteRoom'> {
  readonly room: string;
}
export interface ListRoomsRequest extends Request<'listRooms'> {
  /** From the previous `rooms` page. */
  readonly cursor?: string;
}
export interface InviteRequest extends Request<'invite'> {
  readonly room: string;
  readonly username: string;
}
export interface UninviteRequest extends Request<'uninvite'> {
  readonly room: string;
  readonly username: string;
}
export interface KickRequest extends Request<'kick'> {
  readonly room: string;
  readonly username: string;
  readonly reason?: string;
}
export interface BanRequest extends Request<'ban'> {
  readonly room: string;
  readonly username: string;
  /** 1 to {@link MAX_BAN_SECONDS}; without it the ban lasts until `unban`. */
  readonly seconds?: number;
  readonly reason?: string;
}
export interface UnbanRequest extends Request<'unban'> {
  readonly room: string;
  readonly username: string;
}
export interface SetRoleRequest extends Request<'setRole'> {
  readonly room: string;
  readonly username: string;
  readonly role: 'moderator' | 'member';
}
export interface PresenceRequest extends Request<'presence'> {
  readonly room: string;
  readonly cursor?: string;
}
/** Oldest first; `before` and `after` are exclusive sequence numbers. */
export interface HistoryRequest extends Request<'history'> {
  readonly room: string;
  readonly before?: number;
  readonly after?: number;
  /** 1 to {@link MAX_HISTORY_PAGE}. @default {@link DEFAULT_HISTORY_PAGE} */
  readonly limit?: number;
}
export interface DeleteMessageRequest extends Request<'deleteMessage'> {
  readonly room: string;
  readonly seq: number;
}

export type ClientRequest =
  | JoinRoomRequest
  | LeaveRoomRequest
  | SendMessageRequest
  | PingRequest
  | ReauthRequest
  | CreateRoomRequest
  | UpdateRoomRequest
  | DeleteRoomRequest
  | ListRoomsRequest
  | InviteRequest
  | UninviteRequest
  | KickRequest
  | BanRequest
  | UnbanRequest
  | SetRoleRequest
  | PresenceRequest
  | HistoryRequest
  | DeleteMessageRequest;

export type ClientAction = ClientRequest['action'];

// ─── Server → client ─────────────────────────────────────────────────────────────────────────────

interface Reply {
  /** Present on the reply to a request that carried one. */
  readonly requestId?: string;
}

/** Sent once, right after the connection opens. */
export interface WelcomeFrame {
  readonly type: 'welcome';
  /** `Welcome, alice!` */
  readonly message: string;
  readonly connectionId: string;
  readonly userId: string;
  readonly username: string;
  /** The token's groups, as issued. */
  readonly groups: readonly string[];
  /** The groups Parley gives meaning to. */
  readonly roles: readonly GlobalRole[];
  readonly tokenExpiresAt: string;
  readonly time: string;
}

/**
 * A user joined a room. Others hear it when a user's first connection joins (rooms above the
 * announcement threshold send `occupancy` instead). The joining connection always gets its own copy,
 * with `self: true` and the room's state.
 */
export interface JoinedFrame extends Reply {
  readonly type: 'joined';
  readonly room: string;
  readonly userId: string;
  readonly username: string;
  readonly time: string;
  /** The room's current epoch and last sequence number when the join took effect. */
  readonly epoch?: string;
  readonly seq?: number;
  /** Only on the joining connection's own confirmation. */
  readonly self?: true;
  readonly role?: RoomRole;
  readonly visibility?: RoomVisibility;
  readonly posting?: PostingPolicy;
  readonly title?: string;
  /** Users in the room, this one included. */
  readonly members?: number;
  /**
   * With `since`: true when every message after `since` is replayed (or none exists); false when
   * `since` is older than the retention or `epoch` differs, so messages were missed.
   */
  readonly recovered?: boolean;
  /** With `since`: what is replayed after this frame, as ordinary `message` frames with `replayed: true`. */
  readonly replay?: {
    readonly count: number;
    /** False when more than the replay bound was missed: page on with `history { after: lastSeq }`. */
    readonly complete: boolean;
  };
}

/** A user left a room (their last connection in it). The leaving connection gets its own copy. */
export interface LeftFrame extends Reply {
  readonly type: 'left';
  readonly room: string;
  readonly userId: string;
  readonly username: string;
  readonly time: string;
  readonly self?: true;
}

/** A stored message, as history returns it. */
export interface StoredMessage {
  readonly seq: number;
  /** Time-ordered, unique (ULID). */
  readonly id: string;
  readonly content: string;
  readonly userId: string;
  readonly username: string;
  readonly time: string;
  readonly clientMsgId?: string;
}

/** A number with no message behind it: deleted by its sender or a moderator, or lost by a failed send. */
export interface Tombstone {
  readonly seq: number;
  readonly deleted: true;
  /** Who deleted it; absent when a failed send left the number unused. */
  readonly by?: string;
}

export type HistoryEntry = StoredMessage | Tombstone;

/** A message in a room; every member gets it, the sender included. */
export interface MessageFrame extends StoredMessage {
  readonly type: 'message';
  readonly room: string;
  readonly epoch: string;
  /** Sent as part of a join's catch-up rather than live. */
  readonly replayed?: true;
}

/** The sender's confirmation: the message is stored under `seq` (also for a repeated `clientMsgId`). */
export interface AckFrame extends Reply {
  readonly type: 'ack';
  readonly room: string;
  readonly id: string;
  readonly seq: number;
  readonly epoch: string;
  readonly clientMsgId?: string;
  /** The `clientMsgId` was seen before: this is the first send's message, not a new one. */
  readonly duplicate?: true;
}

/**
 * Message `seq` is gone: deleted by `by`; or, without `by` and only in a join's catch-up, a number a
 * failed send left unused. Either way the number is accounted for.
 */
export interface MessageDeletedFrame extends Reply {
  readonly type: 'messageDeleted';
  readonly room: string;
  readonly seq: number;
  /** Username of whoever deleted it. */
  readonly by?: string;
  /** Sent as part of a join's catch-up rather than live. */
  readonly replayed?: true;
}

export interface HistoryFrame extends Reply {
  readonly type: 'history';
  readonly room: string;
  readonly epoch: string;
  /** Oldest first, contiguous: a deleted or lost number appears as a tombstone. */
  readonly messages: readonly HistoryEntry[];
  readonly hasMore: boolean;
}

export interface PongFrame extends Reply {
  readonly type: 'pong';
  readonly time: string;
}

export interface ErrorFrame extends Reply {
  readonly type: 'error';
  readonly code: ErrorCode;
  /** What was wrong, for people; clients branch on `code`. */
  readonly message: string;
  /** The action the refused frame named. */
  readonly action?: string;
  readonly room?: string;
  /** With RATE_LIMITED and ROOM_BUSY: milliseconds until a retry can succeed. */
  readonly retryAfter?: number;
  /** With TOKEN_INVALID: the failed check (e.g. `JwtExpiredError`). */
  readonly reason?: string;
  /** With BANNED: when the ban ends; absent for a ban without end. */
  readonly until?: string;
}

/** The token now expires later. */
export interface ReauthenticatedFrame extends Reply {
  readonly type: 'reauthenticated';
  readonly expiresAt: string;
}

/** The token expires soon: send `reauth` before `closesAt` or the connection is closed. */
export interface ReauthRequiredFrame {
  readonly type: 'reauth_required';
  readonly expiresAt: string;
  readonly closesAt: string;
}

/**
 * The server is about to close this connection, and says why. API Gateway's close carries no code,
 * so this frame is the only explanation a client gets. `reconnect: false` means reconnecting with the
 * same credential will not help (expired, logged out, closed by an administrator).
 */
export interface ClosingFrame {
  readonly type: 'closing';
  readonly code: ErrorCode;
  readonly reason: string;
  readonly reconnect: boolean;
}

export interface RoomCreatedFrame extends Reply {
  readonly type: 'roomCreated';
  readonly room: string;
  readonly visibility: RoomVisibility;
  readonly posting: PostingPolicy;
  readonly title: string;
  /** Username of the owner. */
  readonly owner: string;
  readonly epoch: string;
}

export interface RoomUpdatedFrame extends Reply {
  readonly type: 'roomUpdated';
  readonly room: string;
  readonly visibility: RoomVisibility;
  readonly posting: PostingPolicy;
  readonly title: string;
  readonly by: string;
}

/** The room is gone; every member was removed from it. */
export interface RoomDeletedFrame extends Reply {
  readonly type: 'roomDeleted';
  readonly room: string;
  readonly by: string;
}

export interface RoomSummary {
  readonly room: string;
  readonly title: string;
  readonly visibility: RoomVisibility;
  readonly posting: PostingPolicy;
  /** Users in the room now. */
  readonly members: number;
}

export interface RoomsFrame extends Reply {
  readonly type: 'rooms';
  readonly rooms: readonly RoomSummary[];
  /** Present when there are more: pass it to the next `listRooms`. */
  readonly cursor?: string;
}

/** Sent to every live connection of an invited user. */
export interface InvitedFrame {
  readonly type: 'invited';
  readonly room: string;
  readonly by: string;
}

/** This user was removed from the room (kicked, banned, uninvited, or a lost role). */
export interface KickedFrame {
  readonly type: 'kicked';
  readonly room: string;
  readonly by: string;
  readonly reason: string;
  /** When the user was banned: the ban's end, absent for a ban without end. */
  readonly banned?: true;
  readonly until?: string;
}

export interface RoleChangedFrame {
  readonly type: 'roleChanged';
  readonly room: string;
  readonly username: string;
  readonly role: RoomRole;
  readonly by: string;
}

export interface PresenceUser {
  readonly userId: string;
  readonly username: string;
  /** This user's connections in the room. */
  readonly connections: number;
  /** When this user's first connection joined. */
  readonly since: string;
}

export interface PresenceFrame extends Reply {
  readonly type: 'presence';
  readonly room: string;
  /** Exact number of users in the room. */
  readonly count: number;
  readonly users: readonly PresenceUser[];
  readonly cursor?: string;
}

/** Large rooms send this, at most every few seconds while the count changes, instead of joined/left. */
export interface OccupancyFrame {
  readonly type: 'occupancy';
  readonly room: string;
  readonly count: number;
}

/** A notification from an administrator or a backend service; only its addressees get it. */
export interface NotificationFrame {
  readonly type: 'notification';
  readonly id: string;
  readonly title?: string;
  readonly content: string;
  readonly data?: unknown;
  /** Username of the administrator, or `service` for a backend's SigV4 call. */
  readonly from: string;
  readonly time: string;
}

/** The reply to a request that has nothing else to say (invite, kick, ban, setRole …). */
export interface DoneFrame extends Reply {
  readonly type: 'done';
  readonly action: ClientAction;
  readonly room?: string;
  readonly username?: string;
}

export type ServerFrame =
  | WelcomeFrame
  | JoinedFrame
  | LeftFrame
  | MessageFrame
  | AckFrame
  | MessageDeletedFrame
  | HistoryFrame
  | PongFrame
  | ErrorFrame
  | ReauthenticatedFrame
  | ReauthRequiredFrame
  | ClosingFrame
  | RoomCreatedFrame
  | RoomUpdatedFrame
  | RoomDeletedFrame
  | RoomsFrame
  | InvitedFrame
  | KickedFrame
  | RoleChangedFrame
  | PresenceFrame
  | OccupancyFrame
  | NotificationFrame
  | DoneFrame;

export type ServerFrameType = ServerFrame['type'];
