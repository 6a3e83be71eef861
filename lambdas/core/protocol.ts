/**
 * The client → server wire protocol: turns a raw WebSocket frame into a typed request or a typed
 * protocol error. Pure: no I/O, no clock.
 *
 * - A frame whose first non-blank character is `{` or `[` is JSON and must be a request object.
 * - Any other frame is plain text, which `$default` echoes (the tutorial's echo endpoint).
 */
import { ErrorCode } from './error-codes.ts';
import { fail, ok, type Result } from './result.ts';
import { describeRoomNameProblem, describeType, quote } from './room-name.ts';

/** Content limit in UTF-8 bytes. JSON escaping at most doubles it, so the outgoing frame stays under 32 KB. */
export const MAX_CONTENT_BYTES = 8 * 1024;
/** API Gateway's frame limit; larger frames never reach a handler on AWS, but the parser checks anyway. */
export const MAX_FRAME_BYTES = 32 * 1024;
export const MAX_REQUEST_ID_LENGTH = 64;
/** Tokens longer than this are refused unread, as at the handshake. */
export const MAX_TOKEN_LENGTH = 8 * 1024;

export type ClientRequest =
  | { readonly action: 'joinRoom'; readonly room: string; readonly requestId?: string }
  | { readonly action: 'leaveRoom'; readonly room: string; readonly requestId?: string }
  | {
      readonly action: 'sendMessage';
      readonly room: string;
      readonly content: string;
      readonly requestId?: string;
    }
  | { readonly action: 'ping'; readonly requestId?: string }
  | { readonly action: 'reauth'; readonly token: string; readonly requestId?: string };

export type ClientAction = ClientRequest['action'];

export type ClientFrame =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'request'; readonly request: ClientRequest };

export interface ProtocolError {
  readonly code: ErrorCode;
  readonly message: string;
  /** The action the frame named, when it named one, so clients can match errors to requests. */
  readonly action?: string;
  readonly requestId?: string;
  /** With RATE_LIMITED: milliseconds until the next message is admitted. */
  readonly retryAfter?: number;
  /** With TOKEN_INVALID: the name of the failed check (e.g. JwtExpiredError). */
  readonly reason?: string;
}

/**
 * What handling a request comes to: nothing more to say to the caller than what was already posted, or
 * one error frame for the caller alone.
 */
export type RequestOutcome = Result<undefined, ProtocolError>;

/** Fields each action accepts; anything else is refused so a forged `username` or `userId` cannot slip by. */
const ACTION_FIELDS: Readonly<Record<ClientAction, readonly string[]>> = {
  joinRoom: ['room'],
  leaveRoom: ['room'],
  sendMessage: ['room', 'content'],
  ping: [],
  reauth: ['token'],
};

export const CLIENT_ACTIONS = Object.keys(ACTION_FIELDS) as ClientAction[];

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
// Tab, line feed and carriage return are text; every other C0 control, DEL and the C1 range are not.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
export const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

export function parseClientFrame(body: string | undefined | null): Result<ClientFrame, ProtocolError> {
  const frame = body ?? '';
  if (Buffer.byteLength(frame, 'utf8') > MAX_FRAME_BYTES) {
    return fail({
      code: ErrorCode.MESSAGE_TOO_LARGE,
      message: `a frame may carry at most ${MAX_FRAME_BYTES} bytes`,
    });
  }
  const first = frame.trimStart().charAt(0);
  if (first !== '{' && first !== '[') return ok({ kind: 'text', text: frame });

  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch (error) {
    return fail({
      code: ErrorCode.MALFORMED_JSON,
      message: `frame starts like JSON but does not parse: ${(error as Error).message}`,
    });
  }
  const request = parseClientRequest(value);
  return request.success ? ok({ kind: 'request', request: request.data }) : request;
}

/** Validates a parsed JSON value as a request. Exported for property tests and server-side callers. */
export function parseClientRequest(value: unknown): Result<ClientRequest, ProtocolError> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail({
      code: ErrorCode.INVALID_MESSAGE,
      message: `a request must be a JSON object, got ${describeType(value)}`,
    });
  }
  const forbidden = findForbiddenKey(value);
  if (forbidden !== undefined) {
    return fail({ code: ErrorCode.INVALID_MESSAGE, message: `key ${quote(forbidden)} is not allowed` });
  }
  const fields = value as Record<string, unknown>;
  const { action, requestId } = fields;

  const context: { action?: string; requestId?: string } = {};
  if (typeof action === 'string') context.action = action.slice(0, 64);
  if (requestId !== undefined) {
    if (typeof requestId !== 'string' || requestId.length === 0 || requestId.length > MAX_REQUEST_ID_LENGTH) {
      return fail({
        code: ErrorCode.INVALID_FIELD,
        message: `requestId must be a string of 1 to ${MAX_REQUEST_ID_LENGTH} characters, got ${describeValue(requestId)}`,
        ...context,
      });
    }
    context.requestId = requestId;
  }

  if (typeof action !== 'string' || !Object.hasOwn(ACTION_FIELDS, action)) {
    return fail({
      code: ErrorCode.UNKNOWN_ACTION,
      message: `action must be one of ${CLIENT_ACTIONS.join(', ')}, got ${describeValue(action)}`,
      ...context,
    });
  }
  const known = ACTION_FIELDS[action as ClientAction];
  const unknown = Object.keys(fields).find(
    (key) => key !== 'action' && key !== 'requestId' && !known.includes(key),
  );
  if (unknown !== undefined) {
    return fail({
      code: ErrorCode.UNKNOWN_FIELD,
      message: `${action} does not accept field ${quote(unknown)}; allowed: ${['action', ...known, 'requestId'].join(', ')}`,
      ...context,
    });
  }

  const withContext = <T extends object>(request: T) =>
    ok({ ...request, ...(context.requestId !== undefined ? { requestId: context.requestId } : {}) });

  switch (action as ClientAction) {
    case 'ping':
      return withContext({ action: 'ping' as const });
    case 'joinRoom':
    case 'leaveRoom': {
      const roomProblem = checkRoom(fields.room);
      if (roomProblem) return fail({ ...roomProblem, ...context });
      return withContext({ action: action as 'joinRoom' | 'leaveRoom', room: fields.room as string });
    }
    case 'reauth': {
      const { token } = fields;
      if (typeof token !== 'string' || token.length === 0) {
        return fail({
          code: ErrorCode.INVALID_FIELD,
          message: `token must be a non-empty string, got ${describeType(token)}`,
          ...context,
        });
      }
      if (token.length > MAX_TOKEN_LENGTH) {
        return fail({
          code: ErrorCode.INVALID_FIELD,
          message: `token may be at most ${MAX_TOKEN_LENGTH} characters`,
          ...context,
        });
      }
      return withContext({ action: 'reauth' as const, token });
    }
    case 'sendMessage': {
      const roomProblem = checkRoom(fields.room);
      if (roomProblem) return fail({ ...roomProblem, ...context });
      const contentProblem = checkContent(fields.content);
      if (contentProblem) return fail({ ...contentProblem, ...context });
      return withContext({
        action: 'sendMessage' as const,
        room: fields.room as string,
        content: fields.content as string,
      });
    }
  }
}

function checkRoom(room: unknown): Pick<ProtocolError, 'code' | 'message'> | undefined {
  if (room === undefined) return { code: ErrorCode.INVALID_FIELD, message: 'room is required' };
  if (typeof room !== 'string')
    return { code: ErrorCode.INVALID_FIELD, message: `room must be a string, got ${describeType(room)}` };
  const problem = describeRoomNameProblem(room);
  return problem ? { code: ErrorCode.INVALID_ROOM, message: problem } : undefined;
}

function checkContent(content: unknown): Pick<ProtocolError, 'code' | 'message'> | undefined {
  if (content === undefined) return { code: ErrorCode.INVALID_FIELD, message: 'content is required' };
  if (typeof content !== 'string') {
    return {
      code: ErrorCode.INVALID_FIELD,
      message: `content must be a string, got ${describeType(content)}`,
    };
  }
  if (content.trim().length === 0)
    return { code: ErrorCode.INVALID_CONTENT, message: 'content must not be empty' };
  const bytes = Buffer.byteLength(content, 'utf8');
  if (bytes > MAX_CONTENT_BYTES) {
    return {
      code: ErrorCode.CONTENT_TOO_LARGE,
      message: `content may be at most ${MAX_CONTENT_BYTES} bytes of UTF-8, got ${bytes}`,
    };
  }
  const control = CONTROL_CHARACTERS.exec(content);
  if (control) {
    const codePoint = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return {
      code: ErrorCode.INVALID_CONTENT,
      message: `content must not contain control character U+${codePoint}`,
    };
  }
  return undefined;
}

/** Depth-first search for keys that could pollute prototypes in any consumer that merges objects. */
function findForbiddenKey(value: unknown, depth = 0): string | undefined {
  if (depth > 32 || typeof value !== 'object' || value === null) return undefined;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return key;
    const nested = findForbiddenKey((value as Record<string, unknown>)[key], depth + 1);
    if (nested !== undefined) return nested;
  }
  return undefined;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  return typeof value === 'string' ? quote(value) : describeType(value);
}
