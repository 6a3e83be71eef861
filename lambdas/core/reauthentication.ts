/**
 * `reauth { token }` or `reauth { ticket }`: a live connection presents a fresh credential. A ticket is
 * accepted wherever a token is, so a page in cookie-only mode (which never sees a token) extends its
 * connection with a ticket from `POST /ticket`. The same user's credential extends the connection (new
 * expiry, and possibly new groups); another user's is refused and the connection closed, because a
 * connection never changes hands. A credential that could not be checked because the server failed
 * gets INTERNAL_ERROR, not TOKEN_INVALID: the client should retry, not log in again.
 */
import {
  isWellFormedTicket,
  redeemConnectionTicket,
  type TicketKeySource,
  type TicketRejection,
} from './connection-tickets.ts';
import { ErrorCode } from './error-codes.ts';
import { encodeFrame, errorFrame, reauthenticatedFrame } from './frames.ts';
import type { Identity } from './identity.ts';
import type {
  Clock,
  ConnectionGateway,
  ConnectionRecord,
  ConnectionStore,
  Logger,
  TicketStore,
  TokenRejection,
  TokenVerifier,
} from './ports.ts';
import type { RequestOutcome } from './protocol.ts';
import { fail, ok, type Result } from './result.ts';

export interface ReauthDeps {
  readonly connections: ConnectionStore;
  readonly gateway: ConnectionGateway;
  readonly logger: Logger;
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
    await deps.gateway.disconnect(caller.connectionId);
    return ok(undefined);
  }
  if ((await deps.connections.updateIdentity(caller, identity)) === 'gone') {
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
  return ok(undefined);
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
