/**
 * Joining and leaving rooms, connection by connection, with presence by user: the joining connection
 * always gets its own `joined` (with `self: true` and the room's state), while the room hears `joined`
 * only for a user's first connection and `left` only for their last (presence.ts decides how).
 */
import { ErrorCode } from './error-codes.ts';
import { catchUp, type HistoryDeps, replayFrame } from './history.ts';
import type { ConnectionRecord, RoomRecord } from './ports.ts';
import { announcePresenceChange, postTo } from './presence.ts';
import type { RequestOutcome } from './protocol.ts';
import { fail, ok } from './result.ts';
import { mayJoin, roomRoleOf } from './room-policy.ts';
import {
  actorOf,
  contextOf,
  createRoomRecord,
  policyError,
  type RequestContext,
  type RoomDeps,
  refusal,
  reply,
} from './rooms.ts';
import type { JoinedFrame, JoinRoomRequest, KickedFrame, LeaveRoomRequest } from './wire.ts';

const done: RequestOutcome = ok(undefined);
const iso = (epochMs: number) => new Date(epochMs).toISOString();

/**
 * Joins the caller's connection to a room, creating a public room owned by the caller when the name is
 * unknown (the tutorial's behaviour). Policy first (private rooms, bans), then the membership (the
 * per-connection room limit), then presence (the per-room member limit; a full room undoes the
 * membership, so a refusal leaves nothing behind).
 */
export async function joinRoom(
  deps: HistoryDeps,
  caller: ConnectionRecord,
  request: Pick<JoinRoomRequest, 'room' | 'requestId' | 'since' | 'epoch'>,
): Promise<RequestOutcome> {
  const context = contextOf('joinRoom', request.room, request.requestId);
  let room = await deps.directory.describe(request.room);
  if (!room) {
    const created = await createRoomRecord(
      deps,
      caller,
      { room: request.room, visibility: 'public', posting: 'everyone', title: request.room },
      context,
    );
    if (created.success) room = created.data;
    else if ('exists' in created.error) room = created.error.exists;
    else return fail(created.error);
  }
  const standing = await deps.directory.standingOf(room.room, caller.username);
  const decision = mayJoin(room, actorOf(caller), standing, deps.now());
  if (!decision.success) return fail(policyError(decision.error, context));

  const joinedAt = deps.now();
  const outcome = await deps.rooms.join(
    {
      room: room.room,
      connectionId: caller.connectionId,
      userId: caller.userId,
      username: caller.username,
      joinedAt,
      tokenExpiresAt: caller.tokenExpiresAt,
    },
    { epoch: room.epoch, maxRoomsPerConnection: deps.rules.maxRoomsPerConnection },
  );
  switch (outcome) {
    case 'connection-gone':
      return fail(
        refusal(ErrorCode.CONNECTION_UNKNOWN, 'this connection is no longer registered; reconnect', context),
      );
    case 'room-limit':
      return fail(
        refusal(
          ErrorCode.ROOM_LIMIT,
          `a connection may be in at most ${deps.rules.maxRoomsPerConnection} rooms; leave one first`,
          context,
        ),
      );
    case 'room-changed':
      return fail(
        refusal(ErrorCode.ROOM_NOT_FOUND, `room "${room.room}" was deleted meanwhile; join again`, context),
      );
    case 'already-member':
      // Joining twice is harmless (a client resubscribing after a hiccup): confirm to the caller alone.
      await confirmJoin(deps, caller, room, standing.moderator, room.members, request, context);
      return done;
    case 'joined':
      break;
  }
  const presence = await deps.rooms.addPresence(
    room.room,
    caller,
    caller.connectionId,
    joinedAt,
    deps.rules.maxMembersPerRoom,
  );
  if (presence === 'full') {
    await deps.rooms.leave(room.room, caller.connectionId);
    return fail(
      refusal(
        ErrorCode.ROOM_FULL,
        `room "${room.room}" holds at most ${deps.rules.maxMembersPerRoom} users`,
        context,
      ),
    );
  }
  await confirmJoin(deps, caller, room, standing.moderator, presence.members, request, context);
  if (presence.userChanged) {
    await announcePresenceChange(deps, room.room, 'joined', caller, presence.members, caller.connectionId);
  }
  return done;
}

/**
 * Confirms the join to the joining connection with the room's state, then replays what it missed since
 * `since`. The membership is written before the history is read: a message stored before the read is
 * replayed, one stored after it is fanned out to this connection, so nothing falls between the two.
 */
async function confirmJoin(
  deps: HistoryDeps,
  caller: ConnectionRecord,
  room: RoomRecord,
  moderator: boolean,
  members: number,
  request: Pick<JoinRoomRequest, 'since' | 'epoch'>,
  context: RequestContext,
): Promise<void> {
  const sequence = (await deps.history.sequence(room.room)) ?? {
    epoch: room.epoch,
    seq: 0,
    seqAt: room.createdAt,
    sharded: false,
  };
  const caught =
    request.since !== undefined
      ? await catchUp(deps, room.room, sequence, request.since, request.epoch)
      : undefined;
  const frame: JoinedFrame = {
    type: 'joined',
    room: room.room,
    userId: caller.userId,
    username: caller.username,
    time: iso(deps.now()),
    self: true,
    role: roomRoleOf(room, caller.username, { moderator, invited: false }),
    visibility: room.visibility,
    posting: room.posting,
    title: room.title,
    epoch: sequence.epoch,
    seq: sequence.seq,
    members,
    ...(caught
      ? { recovered: caught.recovered, replay: { count: caught.records.length, complete: caught.complete } }
      : {}),
    ...(context.requestId !== undefined ? { requestId: context.requestId } : {}),
  };
  await reply(deps, caller.connectionId, frame);
  for (const record of caught?.records ?? []) {
    await reply(deps, caller.connectionId, replayFrame(room.room, sequence.epoch, record));
  }
}

export async function leaveRoom(
  deps: RoomDeps,
  caller: ConnectionRecord,
  request: LeaveRoomRequest,
): Promise<RequestOutcome> {
  const context = contextOf('leaveRoom', request.room, request.requestId);
  if ((await deps.rooms.leave(request.room, caller.connectionId)) === 'not-member') {
    return fail(
      refusal(
        ErrorCode.NOT_A_MEMBER,
        `this connection is not a member of room ${JSON.stringify(request.room)}; send joinRoom first`,
        context,
      ),
    );
  }
  // The leaver is no longer a member, so it gets its own confirmation directly.
  await reply(deps, caller.connectionId, {
    type: 'left',
    room: request.room,
    userId: caller.userId,
    username: caller.username,
    time: iso(deps.now()),
    self: true,
    ...(request.requestId !== undefined ? { requestId: request.requestId } : {}),
  });
  const change = await deps.rooms.removePresence(request.room, caller.username, caller.connectionId);
  if (change.userChanged) {
    await announcePresenceChange(deps, request.room, 'left', caller, change.members);
  }
  return done;
}

/**
 * Takes one connection out of a room on the server's initiative, telling it why with `frame`; the room
 * hears `left` when it was its user's last connection there.
 */
export async function leaveRoomAs(
  deps: RoomDeps,
  connection: ConnectionRecord,
  room: string,
  frame: KickedFrame,
): Promise<void> {
  if ((await deps.rooms.leave(room, connection.connectionId)) === 'not-member') return;
  await postTo(deps, connection.connectionId, frame);
  const change = await deps.rooms.removePresence(room, connection.username, connection.connectionId);
  if (change.userChanged) await announcePresenceChange(deps, room, 'left', connection, change.members);
}

/**
 * Takes every connection of a user out of a room (a kick, a ban, a withdrawn invitation, a lost
 * role), telling each why with `frame`; the room hears `left` once, when the last one is out.
 * Returns how many connections were removed.
 */
export async function removeUserFromRoom(
  deps: RoomDeps,
  room: string,
  username: string,
  frame: KickedFrame,
): Promise<number> {
  const present = await deps.rooms.presentUser(room, username);
  if (!present) return 0;
  const who = { userId: present.userId, username };
  let removed = 0;
  for (const connectionId of present.connections) {
    if ((await deps.rooms.leave(room, connectionId)) === 'left') removed++;
    await postTo(deps, connectionId, frame);
    const change = await deps.rooms.removePresence(room, who.username, connectionId);
    if (change.userChanged) await announcePresenceChange(deps, room, 'left', who, change.members);
  }
  return removed;
}
