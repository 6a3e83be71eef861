/**
 * `reauth { token }`: a live connection presents a fresh token. The same user's token extends the
 * connection (new expiry, and possibly new groups); another user's token is refused and the connection
 * closed, because a connection never changes hands.
 */
import { ErrorCode } from './error-codes.ts';
import { encodeFrame, errorFrame, reauthenticatedFrame } from './frames.ts';
import type { ConnectionGateway, ConnectionRecord, ConnectionStore, Logger, TokenVerifier } from './ports.ts';
import type { RequestOutcome } from './protocol.ts';
import { fail, ok } from './result.ts';

export interface ReauthDeps {
  readonly verifier: TokenVerifier;
  readonly connections: ConnectionStore;
  readonly gateway: ConnectionGateway;
  readonly logger: Logger;
}

export async function reauthenticate(
  deps: ReauthDeps,
  caller: ConnectionRecord,
  token: string,
  requestId?: string,
): Promise<RequestOutcome> {
  const context = { action: 'reauth', ...(requestId !== undefined ? { requestId } : {}) };
  const verified = await deps.verifier.verify(token);
  if (!verified.success) {
    deps.logger.info('reauth refused', { connectionId: caller.connectionId, reason: verified.error.reason });
    return fail({
      code: ErrorCode.TOKEN_INVALID,
      message: 'the token failed verification',
      reason: verified.error.reason,
      ...context,
    });
  }
  const identity = verified.data;
  if (identity.userId !== caller.userId) {
    deps.logger.warn('reauth with another user’s token; closing', {
      connectionId: caller.connectionId,
      userId: caller.userId,
    });
    await deps.gateway.post(
      caller.connectionId,
      encodeFrame(
        errorFrame({
          code: ErrorCode.REAUTH_USER_MISMATCH,
          message: 'the token belongs to another user; this connection is closed',
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
