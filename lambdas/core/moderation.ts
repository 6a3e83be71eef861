/**
 * Moderation: `invite`, `uninvite`, `kick`, `ban`, `unban`, `setRole`. Each decides through
 * room-policy.ts, writes the standing, then acts on the target's live connections; the caller gets one
 * `done` (or an error).
 */
import { forEachConcurrently } from './concurrency.ts';
import { removeUserFromRoom } from './membership.ts';
import type { ConnectionRecord, RoomRecord } from './ports.ts';
import { postTo } from './presence.ts';
import type { RequestOutcome } from './protocol.ts';
import { fail, ok } from './result.ts';
import { type Decision, mayInvite, mayModerate, maySetRole, mayStay } from './room-policy.ts';
import { publishToRoom } from './room-publishing.ts';
import {
  actorOf,
  contextOf,
  findRoom,
  policyError,
  type RequestContext,
  type RoomDeps,
  reply,
} from './rooms.ts';
import type {
  BanRequest,
  ClientAction,
  InviteRequest,
  KickRequest,
  SetRoleRequest,
  UnbanRequest,
  UninviteRequest,
} from './wire.ts';

const done: RequestOutcome = ok(undefined);

type TargetedRequest = { readonly room: string; readonly username: string; readonly requestId?: string };

/** Finds the room and decides; on success runs `act` and answers `done`. */
async function moderate(
  deps: RoomDeps,
  caller: ConnectionRecord,
  action: ClientAction,
  request: TargetedRequest,
  decide: (room: RoomRecord, context: RequestContext) => Promise<Decision>,
  act: (room: RoomRecord) => Promise<void>,
): Promise<RequestOutcome> {
  const context = contextOf(action, request.room, request.requestId);
  const found = await findRoom(deps, { ...context, room: request.room });
  if (!found.success) return found;
  const decision = await decide(found.data, context);
  if (!decision.success) return fail(policyError(decision.error, context));
  await act(found.data);
  await reply(deps, caller.connectionId, {
    type: 'done',
    action,
    room: request.room,
    username: request.username,
    ...(request.requestId !== undefined ? { requestId: request.requestId } : {}),
  });
  return done;
}

/** Invites a user (owner, room moderators, admins): their live connections hear `invited`. */
export function invite(
  deps: RoomDeps,
  caller: ConnectionRecord,
  request: InviteRequest,
): Promise<RequestOutcome> {
  return moderate(
    deps,
    caller,
    'invite',
    request,
    async (room) =>
      mayInvite(
        room,
        actorOf(caller),
        await deps.directory.standingOf(room.room, caller.username),
        request.username,
      ),
    async (room) => {
      await deps.directory.setInvited(room.room, request.username, true, caller.username);
      for await (const page of deps.connections.ofUser(request.username)) {
        await forEachConcurrently(page, 8, async (connection) => {
          await postTo(deps, connection.connectionId, {
            type: 'invited',
            room: room.room,
            by: caller.username,
          });
        });
      }
    },
  );
}

/**
 * Withdraws an invitation. In a private room a user who is in it only by that invitation leaves it,
 * hearing `kicked` with the reason.
 */
export function uninvite(
  deps: RoomDeps,
  caller: ConnectionRecord,
  request: UninviteRequest,
): Promise<RequestOutcome> {
  return moderate(
    deps,
    caller,
    'uninvite',
    request,
    async (room) =>
      mayInvite(
        room,
        actorOf(caller),
        await deps.directory.standingOf(room.room, caller.username),
        request.username,
      ),
    async (room) => {
      await deps.directory.setInvited(room.room, request.username, false, caller.username);
      const standing = await deps.directory.standingOf(room.room, request.username);
      const stays = mayStay(
        room,
        await presentActor(deps, room.room, request.username),
        standing,
        deps.now(),
      );
      if (!stays.success) {
        await removeUserFromRoom(deps, room.room, request.username, {
          type: 'kicked',
          room: room.room,
          by: caller.username,
          reason: 'your invitation to this private room was withdrawn',
        });
      }
    },
  );
}

/**
 * A user present in the room as policy sees them: their global roles come from the token of one of
 * their live connections (an admin keeps every room open to them). Absent users have none that matter.
 */
async function presentActor(deps: RoomDeps, room: string, username: string) {
  const present = await deps.rooms.presentUser(room, username);
  const connectionId = present?.connections[0];
  const connection = connectionId === undefined ? undefined : await deps.connections.find(connectionId);
  return connection ? actorOf(connection) : { username, globalRoles: [] };
}

/** Deciding kick, ban and unban: the caller must moderate this room and outrank the target. */
async function decideModeration(deps: RoomDeps, caller: ConnectionRecord, room: RoomRecord, target: string) {
  const [actorStanding, targetStanding] = await Promise.all([
    deps.directory.standingOf(room.room, caller.username),
    deps.directory.standingOf(room.room, target),
  ]);
  return mayModerate(room, actorOf(caller), actorStanding, target, targetStanding);
}

/** Removes every connection of a user from the room; they hear `kicked`, the room hears `left`. */
export function kick(
  deps: RoomDeps,
  caller: ConnectionRecord,
  request: KickRequest,
): Promise<RequestOutcome> {
  return moderate(
    deps,
    caller,
    'kick',
    request,
    (room) => decideModeration(deps, caller, room, request.username),
    async (room) => {
      await removeUserFromRoom(deps, room.room, request.username, {
        type: 'kicked',
        room: room.room,
        by: caller.username,
        reason: request.reason ?? 'kicked by a moderator',
      });
    },
  );
}

/**
 * Bans a user for `seconds` (or until `unban`) and kicks them; `joinRoom` answers BANNED meanwhile. A
 * banned room moderator loses the role: a moderator of a room they cannot enter makes no sense.
 */
export function ban(deps: RoomDeps, caller: ConnectionRecord, request: BanRequest): Promise<RequestOutcome> {
  return moderate(
    deps,
    caller,
    'ban',
    request,
    (room) => decideModeration(deps, caller, room, request.username),
    async (room) => {
      const until =
        request.seconds !== undefined ? deps.now() + request.seconds * 1000 : Number.POSITIVE_INFINITY;
      const reason = request.reason ?? 'banned by a moderator';
      await deps.directory.setBan(room.room, request.username, { until, reason, by: caller.username });
      if ((await deps.directory.standingOf(room.room, request.username)).moderator) {
        await deps.directory.setModerator(room.room, request.username, false);
      }
      await removeUserFromRoom(deps, room.room, request.username, {
        type: 'kicked',
        room: room.room,
        by: caller.username,
        reason,
        banned: true,
        ...(Number.isFinite(until) ? { until: new Date(until).toISOString() } : {}),
      });
    },
  );
}

export function unban(
  deps: RoomDeps,
  caller: ConnectionRecord,
  request: UnbanRequest,
): Promise<RequestOutcome> {
  return moderate(
    deps,
    caller,
    'unban',
    request,
    (room) => decideModeration(deps, caller, room, request.username),
    async (room) => {
      await deps.directory.setBan(room.room, request.username, undefined);
    },
  );
}

/** Appoints or removes a room moderator (owner, admin); the room hears `roleChanged`. */
export function setRole(
  deps: RoomDeps,
  caller: ConnectionRecord,
  request: SetRoleRequest,
): Promise<RequestOutcome> {
  return moderate(
    deps,
    caller,
    'setRole',
    request,
    async (room) => maySetRole(room, actorOf(caller), request.username),
    async (room) => {
      await deps.directory.setModerator(room.room, request.username, request.role === 'moderator');
      await publishToRoom(deps, room.room, {
        type: 'roleChanged',
        room: room.room,
        username: request.username,
        role: request.role,
        by: caller.username,
      });
      // A demoted moderator of a private room who was never invited may no longer be in it.
      if (request.role === 'member' && room.visibility === 'private') {
        const standing = await deps.directory.standingOf(room.room, request.username);
        const target = await presentActor(deps, room.room, request.username);
        if (!mayStay(room, target, standing, deps.now()).success) {
          await removeUserFromRoom(deps, room.room, request.username, {
            type: 'kicked',
            room: room.room,
            by: caller.username,
            reason: 'you are no longer a moderator of this private room',
          });
        }
      }
    },
  );
}
