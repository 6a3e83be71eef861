/**
 * The client → server wire protocol: turns a raw WebSocket frame into a typed request (wire.ts) or a
 * typed protocol error. Pure and browser-safe: no I/O, no clock, no Node APIs, so clients may validate
 * with the very rules the server applies.
 *
 * - A frame whose first non-blank character is `{` or `[` is JSON and must be a request object.
 * - Any other frame is plain text, which `$default` echoes (the tutorial's echo endpoint).
 * - Each action accepts exactly the fields in `ACTION_FIELDS`; anything else is refused, so a forged
 *   `username` or `userId` cannot slip through.
 */

import { ErrorCode } from './error-codes.ts';
import { fail, ok, type Result } from './result.ts';
import { describeRoomNameProblem, describeType, quote } from './room-name.ts';
import { usernamePattern } from './username.ts';
import {
  type ClientAction,
  type ClientRequest,
  MAX_BAN_SECONDS,
  MAX_CLIENT_MSG_ID_LENGTH,
  MAX_CONTENT_BYTES,
  MAX_CURSOR_LENGTH,
  MAX_FRAME_BYTES,
  MAX_HISTORY_PAGE,
  MAX_REASON_LENGTH,
  MAX_REQUEST_ID_LENGTH,
  MAX_TITLE_LENGTH,
  MAX_TOKEN_LENGTH,
} from './wire.ts';

export type { ClientAction, ClientRequest } from './wire.ts';

export type ClientFrame =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'request'; readonly request: ClientRequest };

export interface ProtocolError {
  readonly code: ErrorCode;
  readonly message: string;
  /** The action the frame named, when it named one, so clients can match errors to requests. */
  readonly action?: string;
  readonly requestId?: string;
  readonly room?: string;
  /** With RATE_LIMITED and ROOM_BUSY: milliseconds until a retry can succeed. */
  readonly retryAfter?: number;
  /** With TOKEN_INVALID: the name of the failed check (e.g. JwtExpiredError). */
  readonly reason?: string;
  /** With BANNED: ISO time the ban ends. */
  readonly until?: string;
}

/**
 * What handling a request comes to: nothing more to say to the caller than what was already posted, or
 * one error frame for the caller alone.
 */
export type RequestOutcome = Result<undefined, ProtocolError>;

/** What is wrong with one field: the error code and a message naming the bad value. */
export type FieldProblem = Pick<ProtocolError, 'code' | 'message'>;
type Problem = FieldProblem;
/** Checks one present field; returns the value to keep (possibly normalised) or a problem. */
type FieldCheck = (value: unknown, name: string) => Result<unknown, Problem>;
interface FieldSpec {
  readonly check: FieldCheck;
  readonly required: boolean;
}

// Tab, line feed and carriage return are text; every other C0 control, DEL and the C1 range are not.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
export const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: single-line texts (titles, reasons) allow no controls at all
const LINE_CONTROL_CHARACTERS = /[\u0000-\u001F\u007F-\u009F]/;
/** Visible ASCII: what client message ids and opaque cursors are made of. */
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;
const EPOCH_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const TICKET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const utf8 = new TextEncoder();
/** UTF-8 length without Node's Buffer, so the module runs in browsers too. */
export const utf8Length = (text: string): number => utf8.encode(text).length;

const invalid = (message: string): Result<never, Problem> => fail({ code: ErrorCode.INVALID_FIELD, message });

const room: FieldCheck = (value) => {
  if (typeof value !== 'string') return invalid(`room must be a string, got ${describeType(value)}`);
  const problem = describeRoomNameProblem(value);
  return problem ? fail({ code: ErrorCode.INVALID_ROOM, message: problem }) : ok(value);
};

const content: FieldCheck = (value) => {
  if (typeof value !== 'string') return invalid(`content must be a string, got ${describeType(value)}`);
  if (value.trim().length === 0)
    return fail({ code: ErrorCode.INVALID_CONTENT, message: 'content must not be empty' });
  const bytes = utf8Length(value);
  if (bytes > MAX_CONTENT_BYTES) {
    return fail({
      code: ErrorCode.CONTENT_TOO_LARGE,
      message: `content may be at most ${MAX_CONTENT_BYTES} bytes of UTF-8, got ${bytes}`,
    });
  }
  const control = CONTROL_CHARACTERS.exec(value);
  if (control) {
    return fail({
      code: ErrorCode.INVALID_CONTENT,
      message: `content must not contain control character ${codePoint(control[0])}`,
    });
  }
  return ok(value);
};

/** A string of 1..max characters from `pattern`, described as `what` in errors. */
const patterned =
  (max: number, pattern: RegExp, what: string): FieldCheck =>
  (value, name) => {
    if (typeof value !== 'string' || value.length === 0 || value.length > max || !pattern.test(value)) {
      return invalid(`${name} must be ${what} (1 to ${max} characters), got ${describeValue(value)}`);
    }
    return ok(value);
  };

/** A one-line text of up to `max` characters with no control characters; empty allowed when `allowEmpty`. */
const line =
  (max: number, allowEmpty: boolean): FieldCheck =>
  (value, name) => {
    if (typeof value !== 'string') return invalid(`${name} must be a string, got ${describeType(value)}`);
    const text = value.trim();
    if (!allowEmpty && text.length === 0) return invalid(`${name} must not be empty`);
    if (text.length > max) return invalid(`${name} may be at most ${max} characters, got ${text.length}`);
    const control = LINE_CONTROL_CHARACTERS.exec(text);
    if (control) return invalid(`${name} must not contain control character ${codePoint(control[0])}`);
    return ok(text);
  };

const integer =
  (min: number, max: number): FieldCheck =>
  (value, name) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max
      ? ok(value)
      : invalid(`${name} must be an integer from ${min} to ${max}, got ${describeValue(value)}`);

const oneOf =
  (...allowed: readonly string[]): FieldCheck =>
  (value, name) =>
    typeof value === 'string' && allowed.includes(value)
      ? ok(value)
      : invalid(
          `${name} must be one of ${allowed.map((item) => `"${item}"`).join(', ')}, got ${describeValue(value)}`,
        );

const token: FieldCheck = (value, name) => {
  if (typeof value !== 'string' || value.length === 0) {
    return invalid(`${name} must be a non-empty string, got ${describeType(value)}`);
  }
  return value.length > MAX_TOKEN_LENGTH
    ? invalid(`${name} may be at most ${MAX_TOKEN_LENGTH} characters`)
    : ok(value);
};

const required = (check: FieldCheck): FieldSpec => ({ check, required: true });
const optional = (check: FieldCheck): FieldSpec => ({ check, required: false });

const username = required(patterned(128, usernamePattern, 'a username'));
const sequence = integer(0, Number.MAX_SAFE_INTEGER);

/** Every action and the fields it accepts (besides `action` and `requestId`). */
const ACTION_FIELDS: Readonly<Record<ClientAction, Readonly<Record<string, FieldSpec>>>> = {
  ping: {},
  joinRoom: {
    room: required(room),
    since: optional(sequence),
    epoch: optional(patterned(64, EPOCH_PATTERN, 'an epoch from a joined frame')),
  },
  leaveRoom: { room: required(room) },
  sendMessage: {
    room: required(room),
    content: required(content),
    clientMsgId: optional(patterned(MAX_CLIENT_MSG_ID_LENGTH, VISIBLE_ASCII, 'visible ASCII')),
  },
  reauth: {
    token: optional(token),
    ticket: optional(patterned(43, TICKET_PATTERN, 'a ticket from POST /ticket')),
  },
  createRoom: {
    room: required(room),
    visibility: optional(oneOf('public', 'private')),
    posting: optional(oneOf('everyone', 'moderators')),
    title: optional(line(MAX_TITLE_LENGTH, true)),
  },
  updateRoom: {
    room: required(room),
    visibility: optional(oneOf('public', 'private')),
    posting: optional(oneOf('everyone', 'moderators')),
    title: optional(line(MAX_TITLE_LENGTH, true)),
  },
  deleteRoom: { room: required(room) },
  listRooms: { cursor: optional(patterned(MAX_CURSOR_LENGTH, VISIBLE_ASCII, 'a cursor from a rooms frame')) },
  invite: { room: required(room), username },
  uninvite: { room: required(room), username },
  kick: { room: required(room), username, reason: optional(line(MAX_REASON_LENGTH, false)) },
  ban: {
    room: required(room),
    username,
    seconds: optional(integer(1, MAX_BAN_SECONDS)),
    reason: optional(line(MAX_REASON_LENGTH, false)),
  },
  unban: { room: required(room), username },
  setRole: { room: required(room), username, role: required(oneOf('moderator', 'member')) },
  presence: {
    room: required(room),
    cursor: optional(patterned(MAX_CURSOR_LENGTH, VISIBLE_ASCII, 'a cursor from a presence frame')),
  },
  history: {
    room: required(room),
    before: optional(integer(1, Number.MAX_SAFE_INTEGER)),
    after: optional(sequence),
    limit: optional(integer(1, MAX_HISTORY_PAGE)),
  },
  deleteMessage: { room: required(room), seq: required(integer(1, Number.MAX_SAFE_INTEGER)) },
};

/** Rules that span fields, checked after each field passed its own. */
const CROSS_FIELD_RULES: Partial<
  Record<ClientAction, (request: Record<string, unknown>) => string | undefined>
> = {
  reauth: (request) =>
    (request.token === undefined) === (request.ticket === undefined)
      ? 'reauth needs exactly one of token or ticket'
      : undefined,
  updateRoom: (request) =>
    request.visibility === undefined && request.posting === undefined && request.title === undefined
      ? 'updateRoom needs at least one of visibility, posting or title'
      : undefined,
  history: (request) =>
    typeof request.before === 'number' &&
    typeof request.after === 'number' &&
    request.before <= request.after + 1
      ? `history needs before > after + 1, got before ${request.before} and after ${request.after}`
      : undefined,
};

export const CLIENT_ACTIONS = Object.keys(ACTION_FIELDS) as ClientAction[];

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function parseClientFrame(body: string | undefined | null): Result<ClientFrame, ProtocolError> {
  const frame = body ?? '';
  if (utf8Length(frame) > MAX_FRAME_BYTES) {
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

/** Validates a parsed JSON value as a request. Exported for property tests, clients and server-side callers. */
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
  const specs = ACTION_FIELDS[action as ClientAction];
  const unknown = Object.keys(fields).find(
    (key) => key !== 'action' && key !== 'requestId' && !Object.hasOwn(specs, key),
  );
  if (unknown !== undefined) {
    return fail({
      code: ErrorCode.UNKNOWN_FIELD,
      message: `${action} does not accept field ${quote(unknown)}; allowed: ${['action', ...Object.keys(specs), 'requestId'].join(', ')}`,
      ...context,
    });
  }

  const request: Record<string, unknown> = { action };
  for (const [name, spec] of Object.entries(specs)) {
    const raw = fields[name];
    if (raw === undefined) {
      if (spec.required)
        return fail({ code: ErrorCode.INVALID_FIELD, message: `${name} is required`, ...context });
      continue;
    }
    const checked = spec.check(raw, name);
    if (!checked.success) return fail({ ...checked.error, ...context });
    request[name] = checked.data;
  }
  const crossFieldProblem = CROSS_FIELD_RULES[action as ClientAction]?.(request);
  if (crossFieldProblem)
    return fail({ code: ErrorCode.INVALID_FIELD, message: crossFieldProblem, ...context });
  if (context.requestId !== undefined) request.requestId = context.requestId;
  return ok(request as unknown as ClientRequest);
}

/**
 * The text rules of the protocol for other ways in that carry the same texts (`POST /notify`), so a text
 * is valid or not wherever it arrives: message content (1 to {@link MAX_CONTENT_BYTES} bytes of UTF-8, no
 * control characters but tab, CR and LF), and one-line texts such as titles (trimmed, no control
 * characters at all).
 */
export const checkContent = (value: unknown): Result<string, FieldProblem> =>
  content(value, 'content') as Result<string, FieldProblem>;
export const checkOneLineText = (
  value: unknown,
  name: string,
  max: number,
  allowEmpty: boolean,
): Result<string, FieldProblem> => line(max, allowEmpty)(value, name) as Result<string, FieldProblem>;

/** Depth-first search for keys that could pollute prototypes in any consumer that merges objects. */
export function findForbiddenKey(value: unknown, depth = 0): string | undefined {
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
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number') return String(value);
  return describeType(value);
}

function codePoint(character: string): string {
  return `U+${character.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}
