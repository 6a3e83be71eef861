/**
 * `sendMessage`: members only, and in an announcement room only those who may post (room-policy.ts).
 * The sender is the stored connection; nothing about them comes from the request.
 */
import { broadcastToRoom } from './broadcast.ts';
import { messageFrame } from './frames.ts';
import type { ConnectionRecord } from './ports.ts';
import { announceDepartures } from './presence.ts';
import type { RequestOutcome } from './protocol.ts';
import { fail, ok } from './result.ts';
import { mayPost, noStanding, postsWithoutStanding } from './room-policy.ts';
import { actorOf, contextOf, findRoom, policyError, type RoomDeps } from './rooms.ts';
import type { SendMessageRequest } from './wire.ts';

export async function sendMessage(
  deps: RoomDeps,
  caller: ConnectionRecord,
  request: SendMessageRequest,
): Promise<RequestOutcome> {
  const context = contextOf('sendMessage', request.room, request.requestId);
  const [found, isMember] = await Promise.all([
    findRoom(deps, { ...context, room: request.room }),
    deps.rooms.isMember(request.room, caller.connectionId),
  ]);
  if (!found.success) return found;
  const room = found.data;
  const actor = actorOf(caller);
  const standing = postsWithoutStanding(room, actor)
    ? noStanding
    : await deps.directory.standingOf(room.room, caller.username);
  const decision = mayPost(room, actor, standing, isMember);
  if (!decision.success) return fail(policyError(decision.error, context));
  // Interim until per-room sequence numbers land (issue 9): no seq is assigned yet.
  const frame = messageFrame(room.room, room.epoch, {
    seq: 0,
    id: deps.newMessageId(),
    content: request.content,
    userId: caller.userId,
    username: caller.username,
    time: deps.now(),
  });
  const report = await broadcastToRoom(deps, room.room, frame);
  await announceDepartures(deps, report.gone);
  return ok(undefined);
}
