/**
 * Which frame answers which request: a type-level table over wire.ts, so `request()` and the room
 * methods resolve with the exact frame. `Exact` turns the table into `never` (and every use of it into
 * a compile error) until a new action in wire.ts has its reply written down here.
 */
import type {
  AckFrame,
  ClientAction,
  ClientRequest,
  DoneFrame,
  HistoryFrame,
  JoinedFrame,
  LeftFrame,
  MessageDeletedFrame,
  PongFrame,
  PresenceFrame,
  ReauthenticatedFrame,
  RoomCreatedFrame,
  RoomDeletedFrame,
  RoomsFrame,
  RoomUpdatedFrame,
} from '../../lambdas/core/wire.ts';

type Exact<T, K extends PropertyKey> = [Exclude<K, keyof T>, Exclude<keyof T, K>] extends [never, never]
  ? T
  : never;

/** The frame each action is answered with (besides `error`). */
export type ReplyFrames = Exact<
  {
    joinRoom: JoinedFrame;
    leaveRoom: LeftFrame;
    sendMessage: AckFrame;
    ping: PongFrame;
    reauth: ReauthenticatedFrame;
    createRoom: RoomCreatedFrame;
    updateRoom: RoomUpdatedFrame;
    deleteRoom: RoomDeletedFrame;
    listRooms: RoomsFrame;
    invite: DoneFrame;
    uninvite: DoneFrame;
    kick: DoneFrame;
    ban: DoneFrame;
    unban: DoneFrame;
    setRole: DoneFrame;
    presence: PresenceFrame;
    history: HistoryFrame;
    deleteMessage: MessageDeletedFrame;
  },
  ClientAction
>;

/** A request for `action` (a union of requests for a union of actions), without the `requestId` the SDK adds. */
export type RequestOf<A extends ClientAction> = A extends ClientAction
  ? Omit<Extract<ClientRequest, { action: A }>, 'requestId'>
  : never;

/** The frame that answers request `R`. */
export type ReplyTo<R extends { readonly action: ClientAction }> = ReplyFrames[R['action']];

/** The actions the SDK manages itself (rooms, the send queue, token refresh) and does not offer raw. */
export type ManagedAction = 'joinRoom' | 'leaveRoom' | 'sendMessage' | 'reauth';
