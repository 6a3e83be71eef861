/**
 * Who may do what in a room: every rule of rooms with rules, decided here from plain facts, with no
 * I/O. The use cases gather the facts (the room, the caller's standing, the target's standing) and ask;
 * the README's role × action table is checked against these functions row by row.
 *
 * Roles:
 * - global, from the token's groups: `admin` (everything, in every room, bans included) and `moderator`
 *   (moderates every public room, posts in announcement rooms);
 * - per room: the `owner` (its creator), `moderator`s (appointed by the owner or an admin), members.
 *
 * Moderation goes down the ranks only: admin > owner > moderator > member, where a global moderator
 * counts as a moderator in public rooms. Nobody moderates themselves (a moderator cannot ban themselves
 * out of being one by accident; leaving is `leaveRoom`), and nobody but an admin moderates an owner.
 */
import { ErrorCode } from './error-codes.ts';
import { fail, ok, type Result } from './result.ts';
import type { GlobalRole, PostingPolicy, RoomRole, RoomVisibility } from './wire.ts';

/** The room as policy sees it. */
export interface RoomFacts {
  readonly visibility: RoomVisibility;
  readonly posting: PostingPolicy;
  /** Username of the owner. */
  readonly owner: string;
}

/** Who is acting: their username and the global roles their token grants. */
export interface Actor {
  readonly username: string;
  readonly globalRoles: readonly GlobalRole[];
}

/** A user's standing in one room, as stored (role row, invitation, ban). */
export interface Standing {
  /** Appointed room moderator. (The owner is known from the room.) */
  readonly moderator: boolean;
  readonly invited: boolean;
  /** Epoch milliseconds the ban ends; `Infinity` for a ban without end; absent when not banned. */
  readonly bannedUntil?: number;
}

export const noStanding: Standing = { moderator: false, invited: false };

export interface PolicyRefusal {
  readonly code: typeof ErrorCode.FORBIDDEN | typeof ErrorCode.BANNED | typeof ErrorCode.NOT_A_MEMBER;
  readonly message: string;
  /** With BANNED: when the ban ends (epoch ms); absent for a ban without end. */
  readonly until?: number;
}

export type Decision = Result<undefined, PolicyRefusal>;

const allowed: Decision = ok(undefined);
const forbidden = (message: string): Decision => fail({ code: ErrorCode.FORBIDDEN, message });

const isAdmin = (actor: Actor) => actor.globalRoles.includes('admin');
const isGlobalModerator = (actor: Actor) => actor.globalRoles.includes('moderator');

/** The caller's role in the room: owner, appointed moderator, or member. */
export function roomRoleOf(room: RoomFacts, username: string, standing: Standing): RoomRole {
  if (room.owner === username) return 'owner';
  return standing.moderator ? 'moderator' : 'member';
}

/** Rank for moderation: who may act on whom. */
function rank(room: RoomFacts, actor: Actor, standing: Standing): number {
  if (isAdmin(actor)) return 4;
  const role = roomRoleOf(room, actor.username, standing);
  if (role === 'owner') return 3;
  if (role === 'moderator' || (isGlobalModerator(actor) && room.visibility === 'public')) return 2;
  return 1;
}

/** A target's rank: only what the room records (a target's token is not at hand when it is offline). */
function targetRank(room: RoomFacts, username: string, standing: Standing): number {
  const role = roomRoleOf(room, username, standing);
  return role === 'owner' ? 3 : role === 'moderator' ? 2 : 1;
}

/** Owner, appointed moderator, global moderator (public rooms) or admin. */
function moderates(room: RoomFacts, actor: Actor, standing: Standing): boolean {
  return rank(room, actor, standing) >= 2;
}

/** Who may join: anyone not banned in a public room; owner, invited, moderators and admins in a private one. */
export function mayJoin(room: RoomFacts, actor: Actor, standing: Standing, now: number): Decision {
  if (isAdmin(actor)) return allowed;
  if (standing.bannedUntil !== undefined && standing.bannedUntil > now) {
    return fail({
      code: ErrorCode.BANNED,
      message: 'you are banned from this room',
      ...(Number.isFinite(standing.bannedUntil) ? { until: standing.bannedUntil } : {}),
    });
  }
  if (room.visibility === 'public') return allowed;
  if (room.owner === actor.username || standing.invited || standing.moderator) return allowed;
  return forbidden('this room is private; you need an invitation');
}

/** Whether a private room shows in the caller's `listRooms`: exactly when they may join it. */
export function maySee(room: RoomFacts, actor: Actor, standing: Standing): boolean {
  if (room.visibility === 'public' || isAdmin(actor)) return true;
  return room.owner === actor.username || standing.invited || standing.moderator;
}

/** Reading (history, presence) needs this connection to be in the room; a private room says no more than that. */
export function mayRead(room: RoomFacts, isMember: boolean): Decision {
  if (isMember) return allowed;
  return room.visibility === 'private'
    ? forbidden('this room is private')
    : fail({ code: ErrorCode.NOT_A_MEMBER, message: 'join the room first' });
}

/** Posting: members, and in an announcement room only the owner, moderators (room or global) and admins. */
export function mayPost(room: RoomFacts, actor: Actor, standing: Standing, isMember: boolean): Decision {
  if (!isMember) return mayRead(room, false);
  if (room.posting === 'everyone') return allowed;
  if (isAdmin(actor) || isGlobalModerator(actor)) return allowed;
  if (room.owner === actor.username || standing.moderator) return allowed;
  return forbidden('only the owner and moderators post in this announcement room');
}

/** Whether posting needs the caller's standing at all: in an open room, or for global roles, it does not. */
export function postsWithoutStanding(room: Pick<RoomFacts, 'posting'>, actor: Actor): boolean {
  return room.posting === 'everyone' || isAdmin(actor) || isGlobalModerator(actor);
}

/** `updateRoom` and `deleteRoom`: the owner and admins. */
export function mayManage(room: RoomFacts, actor: Actor): Decision {
  if (isAdmin(actor) || room.owner === actor.username) return allowed;
  return forbidden('only the owner or an admin may change or delete this room');
}

/** `invite` and `uninvite`: the owner, room moderators and admins; never oneself. */
export function mayInvite(room: RoomFacts, actor: Actor, standing: Standing, target: string): Decision {
  if (target === actor.username) return forbidden('you cannot invite or uninvite yourself');
  if (isAdmin(actor) || room.owner === actor.username || standing.moderator) return allowed;
  return forbidden('only the owner, a room moderator or an admin may invite');
}

/**
 * `kick`, `ban` and `unban`: a moderator of this room (owner, appointed, global in public rooms, admin)
 * acting on someone of lower rank, never on themselves.
 */
export function mayModerate(
  room: RoomFacts,
  actor: Actor,
  actorStanding: Standing,
  target: string,
  targetStanding: Standing,
): Decision {
  if (target === actor.username) return forbidden('you cannot moderate yourself; use leaveRoom to leave');
  if (!moderates(room, actor, actorStanding)) return forbidden('only a moderator of this room may do that');
  if (room.owner === target && !isAdmin(actor)) return forbidden('only an admin may moderate the owner');
  if (!isAdmin(actor) && rank(room, actor, actorStanding) <= targetRank(room, target, targetStanding)) {
    return forbidden('you may only moderate users below your own rank in this room');
  }
  return allowed;
}

/** `setRole`: the owner and admins, on anyone but the owner and themselves. */
export function maySetRole(room: RoomFacts, actor: Actor, target: string): Decision {
  if (target === actor.username) return forbidden('you cannot change your own role');
  if (!isAdmin(actor) && room.owner !== actor.username) {
    return forbidden('only the owner or an admin may appoint moderators');
  }
  if (room.owner === target) return forbidden('the owner’s role cannot be changed');
  return allowed;
}

/**
 * `deleteMessage`: its sender within `ownWindowMs` of sending, or any moderator of the room (owner,
 * appointed, global in public rooms, admin).
 */
export function mayDeleteMessage(
  room: RoomFacts,
  actor: Actor,
  standing: Standing,
  message: { readonly username: string; readonly sentAt: number },
  now: number,
  ownWindowMs: number,
): Decision {
  if (moderates(room, actor, standing)) return allowed;
  if (message.username !== actor.username)
    return forbidden('only its sender or a moderator may delete a message');
  if (now - message.sentAt > ownWindowMs) {
    return forbidden(
      `you may delete your own messages for ${Math.round(ownWindowMs / 1000)} s after sending`,
    );
  }
  return allowed;
}

/**
 * After a role change (`reauth` with new groups, an uninvitation, a lost role): may this user still be
 * in the room? The same rule as joining, bans included.
 */
export function mayStay(room: RoomFacts, actor: Actor, standing: Standing, now: number): Decision {
  return mayJoin(room, actor, standing, now);
}
