/**
 * Rooms as things one creates, changes, deletes and finds: `createRoom`, `updateRoom`, `deleteRoom`,
 * `listRooms`.
 */
import { forEachConcurrently } from './concurrency.ts';
import { ErrorCode } from './error-codes.ts';
import type { HistoryDeps } from './history.ts';
import { joinRoom } from './membership.ts';
import type { ConnectionRecord, RoomRecord } from './ports.ts';
import type { RequestOutcome } from './protocol.ts';
import { fail, ok } from './result.ts';
import { mayManage } from './room-policy.ts';
import { publishToConnections, publishToRoom } from './room-publishing.ts';
import {
  actorOf,
  contextOf,
  createRoomRecord,
  findRoom,
  isAdmin,
  policyError,
  type RoomDeps,
  refusal,
  reply,
} from './rooms.ts';
import type {
  CreateRoomRequest,
  DeleteRoomRequest,
  ListRoomsRequest,
  RoomUpdatedFrame,
  UpdateRoomRequest,
} from './wire.ts';

const done: RequestOutcome = ok(undefined);

/** Rooms per `listRooms` page. */
export const ROOMS_PAGE_SIZE = 50;

/** Creates a room owned by the caller and joins the caller's connection to it. */
export async function createRoom(
  deps: HistoryDeps,
  caller: ConnectionRecord,
  request: CreateRoomRequest,
): Promise<RequestOutcome> {
  const context = contextOf('createRoom', request.room, request.requestId);
  const created = await createRoomRecord(
    deps,
    caller,
    {
      room: request.room,
      visibility: request.visibility ?? 'public',
      posting: request.posting ?? 'everyone',
      title: request.title || request.room,
    },
    context,
  );
  if (!created.success) {
    return fail(
      'exists' in created.error
        ? refusal(ErrorCode.ROOM_EXISTS, `a room named "${request.room}" already exists`, context)
        : created.error,
    );
  }
  const room = created.data;
  await reply(deps, caller.connectionId, {
    type: 'roomCreated',
    room: room.room,
    visibility: room.visibility,
    posting: room.posting,
    title: room.title,
    owner: room.owner,
    epoch: room.epoch,
    ...(request.requestId !== undefined ? { requestId: request.requestId } : {}),
  });
  return joinRoom(deps, caller, { room: room.room });
}

/**
 * Changes a room's visibility, posting policy or title (owner, admin). A room turning private keeps the
 * users present in it: they are invited, so the rule "only the owner, invited users, moderators and
 * admins are in a private room" holds from that moment on.
 */
export async function updateRoom(
  deps: RoomDeps,
  caller: ConnectionRecord,
  request: UpdateRoomRequest,
): Promise<RequestOutcome> {
  const context = contextOf('updateRoom', request.room, request.requestId);
  const found = await findRoom(deps, { ...context, room: request.room });
  if (!found.success) return found;
  const room = found.data;
  const decision = mayManage(room, actorOf(caller));
  if (!decision.success) return fail(policyError(decision.error, context));

  if (request.visibility === 'private' && room.visibility === 'public') {
    await invitePresentUsers(deps, room, caller.username);
  }
  const updated = await deps.directory.update(room.room, room.epoch, {
    ...(request.visibility !== undefined ? { visibility: request.visibility } : {}),
    ...(request.posting !== undefined ? { posting: request.posting } : {}),
    ...(request.title !== undefined ? { title: request.title || room.room } : {}),
  });
  if (updated === 'gone') {
    return fail(refusal(ErrorCode.ROOM_NOT_FOUND, `room "${room.room}" was deleted meanwhile`, context));
  }
  const frame: RoomUpdatedFrame = {
    type: 'roomUpdated',
    room: updated.room,
    visibility: updated.visibility,
    posting: updated.posting,
    title: updated.title,
    by: caller.username,
  };
  await reply(deps, caller.connectionId, {
    ...frame,
    ...(request.requestId !== undefined ? { requestId: request.requestId } : {}),
  });
  await publishToRoom(deps, room.room, frame, { exclude: caller.connectionId });
  return done;
}

async function invitePresentUsers(deps: RoomDeps, room: RoomRecord, by: string): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await deps.rooms.presence(room.room, cursor, 100);
    if (page === 'bad-cursor') return;
    await forEachConcurrently(page.users, 8, (user) =>
      deps.directory.setInvited(room.room, user.username, true, by),
    );
    cursor = page.cursor;
  } while (cursor !== undefined);
}

/** Deletes a room (owner, admin): its members hear `roomDeleted` and are removed from it. */
export async function deleteRoom(
  deps: RoomDeps,
  caller: ConnectionRecord,
  request: DeleteRoomRequest,
): Promise<RequestOutcome> {
  const context = contextOf('deleteRoom', request.room, request.requestId);
  const found = await findRoom(deps, { ...context, room: request.room });
  if (!found.success) return found;
  const room = found.data;
  const decision = mayManage(room, actorOf(caller));
  if (!decision.success) return fail(policyError(decision.error, context));
  if ((await deps.directory.remove(room.room, room.epoch)) === 'gone') {
    return fail(refusal(ErrorCode.ROOM_NOT_FOUND, `room "${room.room}" was deleted meanwhile`, context));
  }
  // The room item went first, so no join can land in it any more (joins check its epoch).
  const members = await deps.rooms.clear(room.room);
  const frame = { type: 'roomDeleted' as const, room: room.room, by: caller.username };
  await reply(deps, caller.connectionId, {
    ...frame,
    ...(request.requestId !== undefined ? { requestId: request.requestId } : {}),
  });
  // Its former members are no longer in its member list: the sequencer posts to them by name.
  await publishToConnections(
    deps,
    room.room,
    frame,
    members.filter((connectionId) => connectionId !== caller.connectionId),
  );
  return done;
}

/** A page of the rooms the caller may join: every public room, and the private ones open to them. */
export async function listRooms(
  deps: RoomDeps,
  caller: ConnectionRecord,
  request: ListRoomsRequest,
): Promise<RequestOutcome> {
  const context = contextOf('listRooms', undefined, request.requestId);
  const page = await deps.directory.list(
    { username: caller.username, seesPrivate: isAdmin(caller) },
    request.cursor,
    ROOMS_PAGE_SIZE,
  );
  if (page === 'bad-cursor') {
    return fail(refusal(ErrorCode.INVALID_FIELD, 'cursor is not one a rooms frame gave', context));
  }
  await reply(deps, caller.connectionId, {
    type: 'rooms',
    rooms: page.rooms.map(({ room, title, visibility, posting, members }) => ({
      room,
      title,
      visibility,
      posting,
      members,
    })),
    ...(page.cursor !== undefined ? { cursor: page.cursor } : {}),
    ...(request.requestId !== undefined ? { requestId: request.requestId } : {}),
  });
  return done;
}
