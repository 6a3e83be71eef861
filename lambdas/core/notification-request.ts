/**
 * The body of `POST /notify` (and of the service route) → a typed notification request, or a message
 * naming the problem. Pure: no I/O, no clock.
 *
 * `{"to": {"user":"<username>"} | {"room":"<room>"} | {"everyone":true}, "title"?, "content", "data"?}`
 *
 * The texts follow the WebSocket protocol's own rules (protocol.ts): `content` as a message's content,
 * `title` as a room title. `data` is any JSON value the sender wants to pass to clients, kept small.
 * Unknown fields are refused, so a forged `from` cannot slip through: the sender comes from the
 * verified caller, never from the body.
 */
import { checkContent, checkOneLineText, findForbiddenKey, utf8Length } from './protocol.ts';
import { fail, ok, type Result } from './result.ts';
import { describeRoomNameProblem, describeType, quote } from './room-name.ts';
import { usernamePattern } from './username.ts';
import { MAX_TITLE_LENGTH } from './wire.ts';

/** `data`, serialised as JSON, is at most this many bytes of UTF-8. */
export const MAX_NOTIFICATION_DATA_BYTES = 4 * 1024;
/**
 * Largest request body. A valid body is far smaller (content 8 KB, which JSON escaping can triple with
 * `\u` escapes; data 4 KB; a title): the limit refuses junk before it is parsed.
 */
export const MAX_NOTIFICATION_BODY_BYTES = 64 * 1024;

export type NotificationTarget =
  | { readonly kind: 'user'; readonly username: string }
  | { readonly kind: 'room'; readonly room: string }
  | { readonly kind: 'everyone' };

export interface NotificationRequest {
  readonly to: NotificationTarget;
  readonly title?: string;
  readonly content: string;
  /** Passed to clients as sent; absent when the body had no `data`. */
  readonly data?: unknown;
}

const FIELDS = ['to', 'title', 'content', 'data'];
const TARGET_KINDS = ['user', 'room', 'everyone'] as const;
const ONE_KIND = 'exactly one of user, room or everyone';
const TARGET_SHAPES = '{"user":"<username>"}, {"room":"<room>"} or {"everyone":true}';

export function parseNotificationRequest(value: unknown): Result<NotificationRequest, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(`body must be a JSON object, got ${describeType(value)}`);
  }
  const forbidden = findForbiddenKey(value);
  if (forbidden !== undefined) return fail(`key ${quote(forbidden)} is not allowed`);
  const fields = value as Record<string, unknown>;
  const unknown = Object.keys(fields).find((key) => !FIELDS.includes(key));
  if (unknown !== undefined) {
    return fail(`unknown field ${quote(unknown)}; allowed: ${FIELDS.join(', ')}`);
  }

  const to = parseTarget(fields.to);
  if (!to.success) return to;
  if (fields.content === undefined) return fail('content is required');
  const content = checkContent(fields.content);
  if (!content.success) return fail(content.error.message);
  const request: { -readonly [K in keyof NotificationRequest]: NotificationRequest[K] } = {
    to: to.data,
    content: content.data,
  };
  if (fields.title !== undefined) {
    const title = checkOneLineText(fields.title, 'title', MAX_TITLE_LENGTH, false);
    if (!title.success) return fail(title.error.message);
    request.title = title.data;
  }
  if (Object.hasOwn(fields, 'data')) {
    const bytes = utf8Length(JSON.stringify(fields.data));
    if (bytes > MAX_NOTIFICATION_DATA_BYTES) {
      return fail(`data may be at most ${MAX_NOTIFICATION_DATA_BYTES} bytes as JSON, got ${bytes}`);
    }
    request.data = fields.data;
  }
  return ok(request);
}

function parseTarget(to: unknown): Result<NotificationTarget, string> {
  if (to === undefined) return fail(`to is required: ${TARGET_SHAPES}`);
  if (typeof to !== 'object' || to === null || Array.isArray(to)) {
    return fail(`to must be an object, ${TARGET_SHAPES}, got ${describeType(to)}`);
  }
  const target = to as Record<string, unknown>;
  const names = Object.keys(target);
  const unknown = names.find((name) => !(TARGET_KINDS as readonly string[]).includes(name));
  if (unknown !== undefined) {
    return fail(`to does not accept ${quote(unknown)}; use ${ONE_KIND}`);
  }
  if (names.length !== 1) {
    return fail(`to must name ${ONE_KIND}, got ${names.length === 0 ? 'none' : names.join(' and ')}`);
  }
  if ('user' in target) {
    const username = target.user;
    if (typeof username !== 'string' || !usernamePattern.test(username)) {
      return fail(
        `to.user must be a username (1 to 128 letters, digits, symbols or punctuation, no spaces), got ${describeValue(username)}`,
      );
    }
    return ok({ kind: 'user', username });
  }
  if ('room' in target) {
    const problem = describeRoomNameProblem(target.room);
    return problem ? fail(`to.${problem}`) : ok({ kind: 'room', room: target.room as string });
  }
  return target.everyone === true
    ? ok({ kind: 'everyone' })
    : fail(`to.everyone must be true, got ${describeValue(target.everyone)}`);
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return describeType(value);
}
