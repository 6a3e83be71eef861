/**
 * Room use cases: join, leave, send. The caller is always the stored connection (its identity came
 * from the verified token at $connect); nothing about the sender is read from the request.
 */
import { announceDepartures, type BroadcastDeps, broadcastToRoom } from './broadcast.ts';
import { ErrorCode } from './error-codes.ts';
import { encodeFrame, membershipFrame, messageFrame } from './frames.ts';
import type { Clock, ConnectionRecord } from './ports.ts';
import type { ProtocolError, RequestOutcome } from './protocol.ts';
import { fail, ok } from './result.ts';

export interface RoomDeps extends BroadcastDeps {
  readonly now: Clock;
  readonly newMessageId: () => string;
}

const done: RequestOutcome = ok(undefined);

export async function joinRoom(
  deps: RoomDeps,
  caller: ConnectionRecord,
  room: string,
  requestId?: string,
): Promise<RequestOutcome> {
  const joinedAt = deps.now();
  const outcome = await deps.rooms.join({
    room,
    connectionId: caller.connectionId,
    userId: caller.userId,
    username: caller.username,
    joinedAt,
    tokenExpiresAt: caller.tokenExpiresAt,
  });
  const frame = membershipFrame('joined', room, caller, joinedAt);
  switch (outcome) {
    case 'joined': {
      const report = await broadcastToRoom(deps, room, frame);
      await announceDepartures(deps, report.gone, deps.now);
      return done;
    }
    case 'already-member':
      // Joining twice is harmless (a client resubscribing after a hiccup): confirm to the caller alone.
      await deps.gateway.post(caller.connectionId, encodeFrame(frame));
      return done;
    case 'connection-gone':
      return fail({
        code: ErrorCode.CONNECTION_UNKNOWN,
        message: 'this connection is no longer registered; reconnect',
        action: 'joinRoom',
        ...withRequestId(requestId),
      });
  }
}

export async function leaveRoom(
  deps: RoomDeps,
  caller: ConnectionRecord,
  room: string,
  requestId?: string,
): Promise<RequestOutcome> {
  const outcome = await deps.rooms.leave(room, caller.connectionId);
  if (outcome === 'not-member') {
    return fail(notAMember('leaveRoom', room, requestId));
  }
  const frame = membershipFrame('left', room, caller, deps.now());
  // The leaver is no longer a member, so it gets its own confirmation directly.
  await deps.gateway.post(caller.connectionId, encodeFrame(frame));
  const report = await broadcastToRoom(deps, room, frame);
  await announceDepartures(deps, report.gone, deps.now);
  return done;
}

export async function sendMessage(
  deps: RoomDeps,
  caller: ConnectionRecord,
  room: string,
  content: string,
  requestId?: string,
): Promise<RequestOutcome> {
  if (!(await deps.rooms.isMember(room, caller.connectionId))) {
    return fail(notAMember('sendMessage', room, requestId));
  }
  // Interim until per-room sequence numbers land (issue 9): no seq or epoch is assigned yet.
  const frame = messageFrame(room, '', {
    seq: 0,
    id: deps.newMessageId(),
    content,
    userId: caller.userId,
    username: caller.username,
    time: deps.now(),
  });
  const report = await broadcastToRoom(deps, room, frame);
  await announceDepartures(deps, report.gone, deps.now);
  return done;
}

function notAMember(action: string, room: string, requestId?: string): ProtocolError {
  return {
    code: ErrorCode.NOT_A_MEMBER,
    message: `this connection is not a member of room ${JSON.stringify(room)}; send joinRoom first`,
    action,
    ...withRequestId(requestId),
  };
}

const withRequestId = (requestId?: string) => (requestId !== undefined ? { requestId } : {});
