/**
 * Every `code` an error frame can carry. Clients branch on these; the README lists them with their
 * meaning. Adding a code is a protocol change: document it there too.
 */
export const ErrorCode = {
  /** The frame starts like JSON (`{` or `[`) but does not parse. */
  MALFORMED_JSON: 'MALFORMED_JSON',
  /** The frame is JSON but not an object, or carries a forbidden key such as `__proto__`. */
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  /** The frame exceeds what the server accepts in one message. */
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  /** `action` is missing, not a string, or not one Parley knows. */
  UNKNOWN_ACTION: 'UNKNOWN_ACTION',
  /** A required field is missing or has the wrong type or form. */
  INVALID_FIELD: 'INVALID_FIELD',
  /** A field the action does not define (for example a forged `username`). */
  UNKNOWN_FIELD: 'UNKNOWN_FIELD',
  /** `room` does not match the room-name pattern. */
  INVALID_ROOM: 'INVALID_ROOM',
  /** `content` is empty or contains control characters. */
  INVALID_CONTENT: 'INVALID_CONTENT',
  /** `content` is longer than the documented limit. */
  CONTENT_TOO_LARGE: 'CONTENT_TOO_LARGE',
  /** The action needs membership of the room and the connection is not a member. */
  NOT_A_MEMBER: 'NOT_A_MEMBER',
  /** The connection is not (or no longer) registered; the client should reconnect. */
  CONNECTION_UNKNOWN: 'CONNECTION_UNKNOWN',
  /** The connection's token has expired; send `reauth` with a fresh token (or reconnect). */
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  /** The token offered in `reauth` failed verification; `reason` names the check that failed. */
  TOKEN_INVALID: 'TOKEN_INVALID',
  /** The token offered in `reauth` belongs to another user; the server closes the connection. */
  REAUTH_USER_MISMATCH: 'REAUTH_USER_MISMATCH',
  /** Too many messages on this connection; `retryAfter` (milliseconds) says when the next is admitted. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The server failed; the request may or may not have taken effect. */
  INTERNAL_ERROR: 'INTERNAL_ERROR',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
