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
  /**
   * The connection kept sending while rate limited (`closing` only): it is closed; reconnect after
   * a pause.
   */
  TOO_MANY_REFUSALS: 'TOO_MANY_REFUSALS',
  /** The user logged out everywhere (`closing` only, `reconnect: false`). */
  LOGGED_OUT: 'LOGGED_OUT',
  /** An administrator closed the connection (`closing` only, `reconnect: false`). */
  CLOSED_BY_ADMIN: 'CLOSED_BY_ADMIN',
  /** The server is shutting down or being replaced (`closing` only): reconnect. */
  SERVER_RESTART: 'SERVER_RESTART',
  /** The caller's roles do not allow this action in this room (or the room is private and hidden). */
  FORBIDDEN: 'FORBIDDEN',
  /** `createRoom` with a name already taken. */
  ROOM_EXISTS: 'ROOM_EXISTS',
  /** The room does not exist (for actions that do not create it). */
  ROOM_NOT_FOUND: 'ROOM_NOT_FOUND',
  /** The caller is banned from the room; `until` says when the ban ends. */
  BANNED: 'BANNED',
  /** The connection is already in as many rooms as allowed. */
  ROOM_LIMIT: 'ROOM_LIMIT',
  /** The room has as many members as allowed. */
  ROOM_FULL: 'ROOM_FULL',
  /** The room receives more messages than its history can store in order; `retryAfter` in milliseconds. */
  ROOM_BUSY: 'ROOM_BUSY',
  /** `deleteMessage` of a number with no message (never sent, expired or already deleted). */
  MESSAGE_NOT_FOUND: 'MESSAGE_NOT_FOUND',
  /** `history` or a join's catch-up in a deployment with history turned off. */
  HISTORY_DISABLED: 'HISTORY_DISABLED',
  /** The server failed; the request may or may not have taken effect. */
  INTERNAL_ERROR: 'INTERNAL_ERROR',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
