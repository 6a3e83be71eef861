/**
 * Server-initiated closes. API Gateway's DeleteConnection carries no close code, so before Parley
 * closes a connection it tells the client why with a `closing` frame; `reconnect: false` means that
 * reconnecting with the same credential will not help. Every close the server decides goes through
 * here, so no close is ever silent.
 *
 * The connection's rows are removed (and its rooms told) before the close, so the `$disconnect` the
 * close triggers finds nothing left and no room hears `left` twice.
 */
import { forEachConcurrently } from './concurrency.ts';
import { ErrorCode } from './error-codes.ts';
import { closingFrame, encodeFrame } from './frames.ts';
import { announceDepartures, type PresenceDeps } from './presence.ts';
import type { ClosingFrame } from './wire.ts';

/** Why a connection is closed: the `closing` frame without its type. */
export type ClosingReason = Omit<ClosingFrame, 'type'>;

/** Every reason the server closes a connection, worded once. */
export const closingReasons = {
  tokenExpired: {
    code: ErrorCode.TOKEN_EXPIRED,
    reason: 'the token of this connection expired and was not renewed',
    reconnect: false,
  },
  reauthUserMismatch: {
    code: ErrorCode.REAUTH_USER_MISMATCH,
    reason: 'reauth presented a token of another user',
    reconnect: false,
  },
  tooManyRefusals: {
    code: ErrorCode.TOO_MANY_REFUSALS,
    reason: 'the connection kept sending while rate limited; reconnect after a pause',
    reconnect: true,
  },
  loggedOut: { code: ErrorCode.LOGGED_OUT, reason: 'the user logged out everywhere', reconnect: false },
  closedByAdmin: {
    code: ErrorCode.CLOSED_BY_ADMIN,
    reason: 'an administrator closed this connection',
    reconnect: false,
  },
  connectionUnknown: {
    code: ErrorCode.CONNECTION_UNKNOWN,
    reason: 'the server no longer knows this connection; reconnect',
    reconnect: true,
  },
  serverRestart: {
    code: ErrorCode.SERVER_RESTART,
    reason: 'the server is restarting; reconnect',
    reconnect: true,
  },
} as const satisfies Record<string, ClosingReason>;

export type ClosingDeps = PresenceDeps;

/**
 * Says why, removes the connection's rows (its rooms hear `left`), then closes it. Safe on a
 * connection that is already gone: every step tolerates it.
 */
export async function closeWithReason(
  deps: ClosingDeps,
  connectionId: string,
  why: ClosingReason,
): Promise<void> {
  await deps.gateway.post(connectionId, encodeFrame(closingFrame(why)));
  const removed = await deps.connections.remove(connectionId);
  await announceDepartures(deps, [removed]);
  await deps.gateway.disconnect(connectionId);
}

/** Closes every live connection of a user (found through the byUser index); returns how many. */
export async function closeConnectionsOfUser(
  deps: ClosingDeps,
  username: string,
  why: ClosingReason,
): Promise<number> {
  let closed = 0;
  for await (const page of deps.connections.ofUser(username)) {
    await forEachConcurrently(page, 8, async (connection) => {
      await closeWithReason(deps, connection.connectionId, why);
      closed++;
    });
  }
  return closed;
}
