/**
 * Dispatches one parsed client frame from a known connection to its use case, and decides what the
 * caller alone hears back. The single place where a request meets the caller's stored identity.
 */
import { ErrorCode } from './error-codes.ts';
import { echoText, encodeFrame, errorFrame, pongFrame } from './frames.ts';
import type { ConnectionRecord } from './ports.ts';
import type { ClientAction, ClientFrame, ProtocolError } from './protocol.ts';
import { joinRoom, leaveRoom, type RoomDeps, sendMessage } from './rooms.ts';

export type SessionDeps = RoomDeps;

/**
 * Handles a frame for `caller`. `accepts` is the set of actions the invoked route serves: on AWS a
 * frame reaches a route by its `action`, so a mismatch means the route table and this code disagree.
 */
export async function handleClientFrame(
  deps: SessionDeps,
  caller: ConnectionRecord,
  frame: ClientFrame,
  accepts: ReadonlySet<ClientAction | 'text'>,
): Promise<void> {
  if (frame.kind === 'text') {
    if (!accepts.has('text')) return replyError(deps, caller.connectionId, unroutable('text'));
    await deps.gateway.post(caller.connectionId, echoText(caller, frame.text));
    return;
  }
  const { request } = frame;
  if (!accepts.has(request.action)) return replyError(deps, caller.connectionId, unroutable(request.action));

  const outcome = await (async () => {
    switch (request.action) {
      case 'ping':
        await deps.gateway.post(caller.connectionId, encodeFrame(pongFrame(deps.now(), request.requestId)));
        return { ok: true } as const;
      case 'joinRoom':
        return joinRoom(deps, caller, request.room, request.requestId);
      case 'leaveRoom':
        return leaveRoom(deps, caller, request.room, request.requestId);
      case 'sendMessage':
        return sendMessage(deps, caller, request.room, request.content, request.requestId);
    }
  })();
  if (!outcome.ok) await replyError(deps, caller.connectionId, outcome.error);
}

export async function replyError(
  deps: Pick<SessionDeps, 'gateway'>,
  connectionId: string,
  error: ProtocolError,
): Promise<void> {
  await deps.gateway.post(connectionId, encodeFrame(errorFrame(error)));
}

function unroutable(action: string): ProtocolError {
  return {
    code: ErrorCode.UNKNOWN_ACTION,
    message: `this route does not serve ${JSON.stringify(action)}`,
    action,
  };
}
