/**
 * Every failure the SDK reports is a {@link ParleyError}; callers branch with `instanceof` on the
 * subclasses (as aws-jwt-verify's callers do), and on `code` for refusals by the server.
 */
import type { ErrorCode } from '../../lambdas/core/error-codes.ts';
import type { ProtocolError } from '../../lambdas/core/protocol.ts';
import type { ClosingFrame } from '../../lambdas/core/wire.ts';

/**
 * The base of every SDK error. Each class names itself with a literal rather than `new.target.name`,
 * because minifiers rename classes: `error.name` must survive the application's bundler.
 */
export class ParleyError extends Error {
  override name = 'ParleyError';
}

/** The options given to `new ParleyClient` are unusable; the message lists every problem. */
export class ConfigurationError extends ParleyError {
  override name = 'ConfigurationError';
}

/**
 * The credentials or the token were refused: `/login` or `/refresh` answered 400, 401 or 403, the
 * handshake was refused for the token again and again, or `getToken` threw this error to say no token
 * can be had. Terminal: the client stops. `getToken` throws it to stop the client; any other error it
 * throws is treated as temporary and retried.
 */
export class AuthenticationError extends ParleyError {
  override name = 'AuthenticationError';
  constructor(
    message: string,
    /** The HTTP status, when one was seen. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * A temporary failure to reach Parley: the network, a 5xx or 429 from the HTTP API, or a handshake
 * that failed. The client retries these by itself and reports each in a `retry` event.
 */
export class NetworkError extends ParleyError {
  override name = 'NetworkError';
  constructor(
    message: string,
    /** The HTTP status of the answer (handshake statuses only where the platform shows them: Node). */
    readonly status?: number,
    /** From a `Retry-After` header: the earliest sensible retry, in milliseconds. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The server refused a request with an `error` frame, or the SDK refused it first by the same rules. */
export class RefusedError extends ParleyError {
  override name = 'RefusedError';
  readonly code: ErrorCode;
  constructor(
    /** The error frame, or the protocol error of the server's own parser for requests refused locally. */
    readonly detail: ProtocolError,
  ) {
    super(`${detail.code}: ${detail.message}`);
    this.code = detail.code;
  }
}

/** No reply came within `timeoutMs`. The request may or may not have taken effect. */
export class TimeoutError extends ParleyError {
  override name = 'TimeoutError';
}

/** The connection the request travelled on closed before the reply. It may or may not have taken effect. */
export class ConnectionLostError extends ParleyError {
  override name = 'ConnectionLostError';
}

/** The client was closed (by `close()`, or it stopped on a terminal error, which is the `cause`). */
export class ClosedError extends ParleyError {
  override name = 'ClosedError';
}

/** The server closed the connection with `closing { reconnect: false }`. Terminal. */
export class ServerClosedError extends ParleyError {
  override name = 'ServerClosedError';
  readonly code: ErrorCode;
  constructor(readonly frame: ClosingFrame) {
    super(`${frame.code}: ${frame.reason}`);
    this.code = frame.code;
  }
}

/** Why a room stopped: the application left it, the user was kicked or banned, it was deleted, or a rejoin was refused. */
export type RoomClosedReason = 'left' | 'kicked' | 'deleted' | 'refused' | 'closed';

/** The room was closed before a queued send or pending request could go out. */
export class RoomClosedError extends ParleyError {
  override name = 'RoomClosedError';
  constructor(
    readonly room: string,
    readonly reason: RoomClosedReason,
    options?: { cause?: unknown },
  ) {
    super(`room "${room}" was closed (${reason})`, options);
  }
}

/** Failures that no retry can fix: the client stops on them. */
export const isTerminal = (error: unknown): boolean =>
  error instanceof AuthenticationError ||
  error instanceof ServerClosedError ||
  error instanceof ConfigurationError ||
  (error instanceof RefusedError && error.code === 'REAUTH_USER_MISMATCH');
