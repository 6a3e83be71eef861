/**
 * Dispatches one parsed client frame from a known connection to its use case, and decides what the
 * caller alone hears back. The single place where a request meets the caller's stored identity and the
 * per-connection policies (token expiry, message rate).
 */
import { ErrorCode } from './error-codes.ts';
import { echoText, encodeFrame, errorFrame, pongFrame } from './frames.ts';
import type { ConnectionRecord, RateLimiter, TokenVerifier } from './ports.ts';
import type { ClientAction, ClientFrame, ProtocolError, RequestOutcome } from './protocol.ts';
import { reauthenticate } from './reauthentication.ts';
import { fail, ok } from './result.ts';
import { joinRoom, leaveRoom, type RoomDeps, sendMessage } from './rooms.ts';

export interface SessionDeps extends RoomDeps {
  /** Absent: no per-connection rate limit. */
  readonly rateLimiter?: RateLimiter;
  /** Only the reauth route verifies tokens. */
  readonly verifier?: TokenVerifier;
}

const done: RequestOutcome = ok(undefined);

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
  const action = frame.kind === 'text' ? 'text' : frame.request.action;
  const requestId = frame.kind === 'request' ? frame.request.requestId : undefined;
  const context = {
    ...(action !== 'text' ? { action } : {}),
    ...(requestId !== undefined ? { requestId } : {}),
  };
  const outcome = await (async (): Promise<RequestOutcome> => {
    if (!accepts.has(action)) return unroutable(action);
    const refusal = await admit(deps, caller, action);
    if (refusal) return fail({ ...refusal, ...context });
    if (frame.kind === 'text') {
      await deps.gateway.post(caller.connectionId, echoText(caller, frame.text));
      return done;
    }
    const { request } = frame;
    switch (request.action) {
      case 'ping':
        await deps.gateway.post(caller.connectionId, encodeFrame(pongFrame(deps.now(), request.requestId)));
        return done;
      case 'joinRoom':
        return joinRoom(deps, caller, request.room, request.requestId);
      case 'leaveRoom':
        return leaveRoom(deps, caller, request.room, request.requestId);
      case 'sendMessage':
        return sendMessage(deps, caller, request.room, request.content, request.requestId);
      case 'reauth':
        return reauthenticate(deps, caller, request);
      default:
        return unroutable(action);
    }
  })();
  if (!outcome.success) await replyError(deps, caller.connectionId, outcome.error);
}

/** The per-connection policies every action passes first. `reauth` is the one way out of an expired token. */
async function admit(
  deps: SessionDeps,
  caller: ConnectionRecord,
  action: ClientAction | 'text',
): Promise<ProtocolError | undefined> {
  if (action !== 'reauth' && caller.tokenExpiresAt * 1000 <= deps.now()) {
    return {
      code: ErrorCode.TOKEN_EXPIRED,
      message: 'the token of this connection has expired; send reauth with a fresh token',
    };
  }
  if (deps.rateLimiter) {
    const decision = await deps.rateLimiter.consume(caller.connectionId);
    if (!decision.success) {
      return {
        code: ErrorCode.RATE_LIMITED,
        message: `too many messages on this connection; retry after ${decision.error.retryAfterMs} ms`,
        retryAfter: decision.error.retryAfterMs,
      };
    }
  }
  return undefined;
}

export async function replyError(
  deps: Pick<SessionDeps, 'gateway'>,
  connectionId: string,
  error: ProtocolError,
): Promise<void> {
  await deps.gateway.post(connectionId, encodeFrame(errorFrame(error)));
}

function unroutable(action: string): RequestOutcome {
  return fail({
    code: ErrorCode.UNKNOWN_ACTION,
    message: `this route does not serve ${JSON.stringify(action)}`,
    action,
  });
}
