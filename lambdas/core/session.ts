/**
 * One inbound frame from a connection, start to finish: the caller gate (who sent it, and may they
 * send now), then the request's use case, and what the caller alone hears back. The single place where
 * a request meets the caller's stored identity and the per-connection policies (message rate, token
 * expiry), whatever route it arrived on.
 */
import { closeWithReason, closingReasons } from './closing.ts';
import { ErrorCode } from './error-codes.ts';
import { echoText, encodeFrame, errorFrame, pongFrame } from './frames.ts';
import { type HistoryDeps, readHistory } from './history.ts';
import { joinRoom, leaveRoom } from './membership.ts';
import { deleteMessage, sendMessage } from './messages.ts';
import { ban, invite, kick, setRole, unban, uninvite } from './moderation.ts';
import type { CallerGate, ConnectionRecord, TokenVerifier } from './ports.ts';
import { listPresence } from './presence-list.ts';
import {
  type ClientAction,
  type ClientFrame,
  type ProtocolError,
  parseClientFrame,
  type RequestOutcome,
} from './protocol.ts';
import { reauthenticate } from './reauthentication.ts';
import { fail, ok } from './result.ts';
import { createRoom, deleteRoom, listRooms, updateRoom } from './room-admin.ts';

export interface SessionDeps extends HistoryDeps {
  /** Finds the caller and spends from its rate bucket. */
  readonly gate: CallerGate;
  /**
   * A connection refused this many times in a row (it kept sending while rate limited) is closed with
   * `closing TOO_MANY_REFUSALS`; 0 never closes.
   */
  readonly closeAfterRefusals: number;
  /** Only the reauth route verifies tokens. */
  readonly verifier?: TokenVerifier;
}

/** A frame as API Gateway delivered it. */
export interface InboundFrame {
  readonly connectionId: string;
  readonly body: string | undefined | null;
  /** Epoch milliseconds at which API Gateway received the frame (`requestTimeEpoch`). */
  readonly receivedAt: number;
}

const done: RequestOutcome = ok(undefined);

/**
 * Every frame, valid or not, passes the gate first: a stream of junk costs its sender tokens like any
 * other frame, and a connection that keeps sending while refused is closed instead of being answered
 * forever. Parsing comes first only because it is free (pure, no I/O); its verdict is told after the
 * gate admitted the frame.
 */
export async function handleInboundFrame(
  deps: SessionDeps,
  inbound: InboundFrame,
  accepts: ReadonlySet<ClientAction | 'text'>,
): Promise<void> {
  const parsed = parseClientFrame(inbound.body);
  const admission = await deps.gate.admit(inbound.connectionId, inbound.receivedAt);
  if (!admission.success) {
    const refusal = admission.error;
    if (refusal.reason === 'ConnectionUnknown') {
      // Its rows were removed (swept, or a 410 seen by a broadcast): the client must reconnect.
      await closeWithReason(deps, inbound.connectionId, closingReasons.connectionUnknown);
      return;
    }
    if (deps.closeAfterRefusals > 0 && refusal.consecutive >= deps.closeAfterRefusals) {
      deps.logger.warn('closing a connection that kept sending while rate limited', {
        connectionId: inbound.connectionId,
        refusals: refusal.consecutive,
      });
      await closeWithReason(deps, inbound.connectionId, closingReasons.tooManyRefusals);
      return;
    }
    await replyError(deps, inbound.connectionId, {
      code: ErrorCode.RATE_LIMITED,
      message: `too many messages on this connection; retry after ${refusal.retryAfterMs} ms`,
      retryAfter: refusal.retryAfterMs,
      ...requestContext(parsed.success ? parsed.data : undefined),
    });
    return;
  }
  if (!parsed.success) {
    await replyError(deps, inbound.connectionId, parsed.error);
    return;
  }
  await handleClientFrame(deps, admission.data, parsed.data, accepts, inbound.receivedAt);
}

function requestContext(frame: ClientFrame | undefined): { action?: string; requestId?: string } {
  if (frame?.kind !== 'request') return {};
  const { action, requestId } = frame.request;
  return requestId !== undefined ? { action, requestId } : { action };
}

/**
 * Handles a frame for `caller`. `accepts` is the set of actions the invoked route serves: on AWS a
 * frame reaches a route by its `action`, so a mismatch means the route table and this code disagree.
 * `receivedAt` is when API Gateway received the frame (a message's time).
 */
export async function handleClientFrame(
  deps: SessionDeps,
  caller: ConnectionRecord,
  frame: ClientFrame,
  accepts: ReadonlySet<ClientAction | 'text'>,
  receivedAt: number = deps.now(),
): Promise<void> {
  const action = frame.kind === 'text' ? 'text' : frame.request.action;
  const context = requestContext(frame);
  const outcome = await (async (): Promise<RequestOutcome> => {
    if (!accepts.has(action)) return unroutable(action);
    const refusal = admit(deps, caller, action);
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
        return joinRoom(deps, caller, request);
      case 'leaveRoom':
        return leaveRoom(deps, caller, request);
      case 'sendMessage':
        return sendMessage(deps, caller, request, receivedAt);
      case 'createRoom':
        return createRoom(deps, caller, request);
      case 'updateRoom':
        return updateRoom(deps, caller, request);
      case 'deleteRoom':
        return deleteRoom(deps, caller, request);
      case 'listRooms':
        return listRooms(deps, caller, request);
      case 'invite':
        return invite(deps, caller, request);
      case 'uninvite':
        return uninvite(deps, caller, request);
      case 'kick':
        return kick(deps, caller, request);
      case 'ban':
        return ban(deps, caller, request);
      case 'unban':
        return unban(deps, caller, request);
      case 'setRole':
        return setRole(deps, caller, request);
      case 'presence':
        return listPresence(deps, caller, request);
      case 'history':
        return readHistory(deps, caller, request);
      case 'deleteMessage':
        return deleteMessage(deps, caller, request);
      case 'reauth':
        return reauthenticate(deps, caller, request);
      default:
        return unroutable(action);
    }
  })();
  if (!outcome.success) await replyError(deps, caller.connectionId, outcome.error);
}

/** The token-expiry policy every action passes. `reauth` is the one way out of an expired token. */
function admit(
  deps: SessionDeps,
  caller: ConnectionRecord,
  action: ClientAction | 'text',
): ProtocolError | undefined {
  if (action !== 'reauth' && caller.tokenExpiresAt * 1000 <= deps.now()) {
    return {
      code: ErrorCode.TOKEN_EXPIRED,
      message: 'the token of this connection has expired; send reauth with a fresh token',
    };
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
