/**
 * `reauth { token }` or `reauth { ticket }`: a live connection presents a fresh credential. A ticket is
 * accepted wherever a token is, so a page in cookie-only mode (which never sees a token) extends its
 * connection with a ticket from `POST /ticket`. The same user's credential extends the connection (new
 * expiry, and possibly new groups); another user's is refused and the connection closed, because a
 * connection never changes hands. A credential that could not be checked because the server failed
 * gets INTERNAL_ERROR, not TOKEN_INVALID: the client should retry, not log in again.
 */

import { closeWithReason, closingReasons } from './closing.ts';
import {
  isWellFormedTicket,
  redeemConnectionTicket,
  type TicketKeySource,
  type TicketRejection,
} from './connection-tickets.ts';
import { ErrorCode } from './error-codes.ts';
import { encodeFrame, errorFrame, reauthenticatedFrame } from './frames.ts';
import type { Identity } from './identity.ts';
import { leaveRoomAs } from './membership.ts';
import type { Clock, ConnectionRecord, TicketStore, TokenRejection, TokenVerifier } from './ports.ts';
import type { RequestOutcome } from './protocol.ts';
import { fail, ok, type Result } from './result.ts';
import { mayStay } from './room-policy.ts';
import { actorOf, type RoomDeps } from './rooms.ts';

export interface ReauthDeps extends RoomDeps {
  /** Verifies `reauth { token }`; absent, tokens are refused as unroutable. */
  readonly verifier?: TokenVerifier;
  /**
   * Redeems `reauth { ticket }`: the store, and the key, asked for only when a ticket is presented (so a
   * key that cannot be read fails tickets alone). Absent, tickets are refused as unroutable.
   */
  readonly tickets?: { readonly store: TicketStore; readonly key: TicketKeySource; readonly now: Clock };
}

/** What `reauth` carries: the parser guarantees exactly one of the two. */
export interface ReauthCredential {
  readonly token?: string;
  readonly ticket?: string;
  readonly requestId?: string;
}

export async function reauthenticate(
  deps: ReauthDeps,
  caller: ConnectionRecord,
  request: ReauthCredential,
): Promise<RequestOutcome> {
  const { requestId } = request;
  const context = { action: 'reauth', ...(requestId !== undefined ? { requestId } : {}) };
  const checked = await identify(deps, request);
  if (checked === 'unsupported') {
    return fail({
      code: ErrorCode.UNKNOWN_ACTION,
      message: `this route does not serve reauth with a ${request.ticket !== undefined ? 'ticket' : 'token'}`,
      ...context,
    });
  }
  if (!checked.success) {
    const { reason, fault } = checked.error;
    if (fault === 'server') {
      deps.logger.error('reauth could not check the credential', {
        connectionId: caller.connectionId,
        reason,
      });
      return fail({
        code: ErrorCode.INTERNAL_ERROR,
        message: 'the credential could not be checked; try again shortly',
        ...context,
      });
    }
    deps.logger.info('reauth refused', { connectionId: caller.connectionId, reason });
    return fail({
      code: ErrorCode.TOKEN_INVALID,
      message: `the ${request.ticket !== undefined ? 'ticket' : 'token'} failed verification`,
      reason,
      ...context,
    });
  }
  const identity = checked.data;
  if (identity.userId !== caller.userId) {
    deps.logger.warn('reauth with another user’s credential; closing', {
      connectionId: caller.connectionId,
      userId: caller.userId,
    });
    await deps.gateway.post(
      caller.connectionId,
      encodeFrame(
        errorFrame({
          code: ErrorCode.REAUTH_USER_MISMATCH,
          message: 'the credential belongs to another user; this connection is closed',
          ...context,
        }),
      ),
    );
    await closeWithReason(deps, caller.connectionId, closingReasons.reauthUserMismatch);
    return ok(undefined);
  }
  const updated = await deps.connections.updateIdentity(caller, identity);
  if (updated === 'gone') {
    return fail({
      code: ErrorCode.CONNECTION_UNKNOWN,
      message: 'this connection is no longer registered; reconnect',
      ...context,
    });
  }
  await deps.gateway.post(
    caller.connectionId,
    encodeFrame(reauthenticatedFrame(identity.tokenExpiresAt, requestId)),
  );
  if (!sameGroups(caller.groups, identity.groups)) {
    await reviewRooms(deps, { ...caller, ...identity }, updated.rooms);
  }
  return ok(undefined);
}

const sameGroups = (before: readonly string[], after: readonly string[]) =>
  before.length === after.length && before.every((group) => after.includes(group));

/**
 * New groups can take away what kept the connection in a room: an administrator demoted who was in a
 * private room without an invitation. Each room the connection is in is checked again, as a join would
 * be, and the connection leaves (told with `kicked`) the rooms it may no longer be in.
 */
async function reviewRooms(deps: ReauthDeps, connection: ConnectionRecord, rooms: readonly string[]) {
  const actor = actorOf(connection);
  for (const name of rooms) {
    const room = await deps.directory.describe(name);
    if (!room) continue;
    const standing = await deps.directory.standingOf(name, connection.username);
    if (mayStay(room, actor, standing, deps.now()).success) continue;
    await leaveRoomAs(deps, connection, name, {
      type: 'kicked',
      room: name,
      by: connection.username,
      reason: 'your roles changed and no longer let you in this room',
    });
  }
}

/** The identity the credential proves, or why it proves none. Ticket key and store failures are thrown. */
async function identify(
  deps: ReauthDeps,
  request: ReauthCredential,
): Promise<Result<Identity, TokenRejection> | 'unsupported'> {
  if (request.ticket !== undefined) {
    if (!deps.tickets) return 'unsupported';
    // Not even the key for something that is not a ticket (the parser already refuses most of those).
    if (!isWellFormedTicket(request.ticket)) return fail({ reason: 'TicketMalformed', fault: 'client' });
    const { store, key, now } = deps.tickets;
    const redeemed = await redeemConnectionTicket(
      { tickets: store, ticketKey: await key(), now },
      request.ticket,
    );
    return redeemed.success
      ? redeemed
      : fail({ reason: redeemed.error satisfies TicketRejection, fault: 'client' as const });
  }
  if (!deps.verifier || request.token === undefined) return 'unsupported';
  return deps.verifier.verify(request.token);
}
