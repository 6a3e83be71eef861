/** `presence {room, cursor?}`: who is in a room, a page of users at a time, with the exact count. */
import { ErrorCode } from './error-codes.ts';
import type { ConnectionRecord } from './ports.ts';
import type { RequestOutcome } from './protocol.ts';
import { fail, ok } from './result.ts';
import { mayRead } from './room-policy.ts';
import { contextOf, findRoom, policyError, type RoomDeps, refusal, reply } from './rooms.ts';
import { PRESENCE_PAGE_SIZE, type PresenceRequest } from './wire.ts';

export async function listPresence(
  deps: RoomDeps,
  caller: ConnectionRecord,
  request: PresenceRequest,
): Promise<RequestOutcome> {
  const context = contextOf('presence', request.room, request.requestId);
  const found = await findRoom(deps, { ...context, room: request.room });
  if (!found.success) return found;
  const readable = mayRead(found.data, await deps.rooms.isMember(request.room, caller.connectionId));
  if (!readable.success) return fail(policyError(readable.error, context));
  const page = await deps.rooms.presence(request.room, request.cursor, PRESENCE_PAGE_SIZE);
  if (page === 'bad-cursor') {
    return fail(refusal(ErrorCode.INVALID_FIELD, 'cursor is not one a presence frame gave', context));
  }
  await reply(deps, caller.connectionId, {
    type: 'presence',
    room: request.room,
    count: found.data.members,
    users: page.users.map((user) => ({
      userId: user.userId,
      username: user.username,
      connections: user.connections,
      since: new Date(user.since).toISOString(),
    })),
    ...(page.cursor !== undefined ? { cursor: page.cursor } : {}),
    ...(request.requestId !== undefined ? { requestId: request.requestId } : {}),
  });
  return ok(undefined);
}
