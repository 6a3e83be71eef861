/**
 * Login, new-password, refresh and logout request bodies → typed requests. Accepts what browsers and scripts send (JSON,
 * URL-encoded forms, `new FormData()` multipart); error messages name the field and the problem and
 * never repeat a password or a refresh token.
 */
import { type BodyProblem, type FormFields, parseFormBody, type RequestBody } from './form-body.ts';
import { fail, ok, type Result } from './result.ts';
import { usernamePattern } from './username.ts';

export type { BodyProblem, RequestBody } from './form-body.ts';
export { usernamePattern } from './username.ts';

export interface LoginRequest {
  readonly username: string;
  readonly password: string;
}

export interface RefreshRequest {
  readonly refreshToken: string;
}

/** POST /logout names the refresh token to revoke, and whether to end every session of its user. */
export interface LogoutRequest extends RefreshRequest {
  /** Also revoke the user's other sessions and close every live connection of the user. */
  readonly everywhere: boolean;
}

/** POST /password answers a NEW_PASSWORD_REQUIRED login. */
export interface NewPasswordRequest {
  readonly username: string;
  /** The `session` from the 403 the login answered with. */
  readonly session: string;
  readonly newPassword: string;
}

/** Cognito accepts passwords of up to 256 characters. */
const maxPasswordLength = 256;
/** Cognito refresh tokens are JWEs of under 2 KB; local ones are shorter. Visible ASCII only. */
const refreshTokenPattern = /^[\x21-\x7e]{1,8192}$/;
/** Cognito challenge sessions are at most 2048 characters; local ones are shorter. Visible ASCII only. */
const sessionPattern = /^[\x21-\x7e]{1,4096}$/;

export async function parseLoginRequest(request: RequestBody): Promise<Result<LoginRequest, BodyProblem>> {
  const fields = await parseFormBody(request);
  if (!fields.success) return fields;
  const username = usernameIn(fields.data);
  if (!username.success) return username;
  const password = passwordIn(fields.data, 'password');
  if (!password.success) return password;
  return ok({ username: username.data, password: password.data });
}

export async function parseNewPasswordRequest(
  request: RequestBody,
): Promise<Result<NewPasswordRequest, BodyProblem>> {
  const fields = await parseFormBody(request);
  if (!fields.success) return fields;
  const username = usernameIn(fields.data);
  if (!username.success) return username;
  const session = singleString(fields.data, 'session');
  if (!session.success) return session;
  if (!sessionPattern.test(session.data)) {
    return invalid('session must be the 1 to 4096 visible ASCII characters the login answered with');
  }
  const newPassword = passwordIn(fields.data, 'newPassword');
  if (!newPassword.success) return newPassword;
  return ok({ username: username.data, session: session.data, newPassword: newPassword.data });
}

/**
 * `{ refreshToken }`. In cookie mode the refresh token may come from its HttpOnly cookie instead
 * (`fromCookie`), with an empty body; a body that names one wins.
 */
export async function parseRefreshRequest(
  request: RequestBody,
  fromCookie?: string,
): Promise<Result<RefreshRequest, BodyProblem>> {
  const fields = await fieldsOrNone(request, fromCookie);
  if (!fields.success) return fields;
  const refreshToken = refreshTokenIn(fields.data, fromCookie);
  return refreshToken.success ? ok({ refreshToken: refreshToken.data }) : refreshToken;
}

/**
 * `{ refreshToken, everywhere? }`: the refresh token with the same rules as a refresh (cookie
 * included); `everywhere` is `true` or `false` (JSON booleans, or the strings in a form).
 */
export async function parseLogoutRequest(
  request: RequestBody,
  fromCookie?: string,
): Promise<Result<LogoutRequest, BodyProblem>> {
  const fields = await fieldsOrNone(request, fromCookie);
  if (!fields.success) return fields;
  const refreshToken = refreshTokenIn(fields.data, fromCookie);
  if (!refreshToken.success) return refreshToken;
  const values = fields.data.get('everywhere') ?? [];
  if (values.length > 1) return invalid(`everywhere must be sent once, got ${values.length} values`);
  const [everywhere = false] = values;
  if (everywhere !== true && everywhere !== false && everywhere !== 'true' && everywhere !== 'false') {
    return invalid(`everywhere must be true or false, got ${JSON.stringify(everywhere)}`);
  }
  return ok({ refreshToken: refreshToken.data, everywhere: everywhere === true || everywhere === 'true' });
}

/** An empty body is no fields when a cookie can stand in for them; otherwise the body must parse. */
async function fieldsOrNone(
  request: RequestBody,
  fromCookie: string | undefined,
): Promise<Result<FormFields, BodyProblem>> {
  if (fromCookie !== undefined && (request.body ?? '').trim() === '') return ok(new Map());
  return parseFormBody(request);
}

function refreshTokenIn(fields: FormFields, fromCookie: string | undefined): Result<string, BodyProblem> {
  const sent = fields.has('refreshToken') || fromCookie === undefined;
  const refreshToken = sent ? singleString(fields, 'refreshToken') : ok(fromCookie);
  if (!refreshToken.success) return refreshToken;
  return refreshTokenPattern.test(refreshToken.data)
    ? refreshToken
    : invalid('refreshToken must be 1 to 8192 visible ASCII characters');
}

function usernameIn(fields: FormFields): Result<string, BodyProblem> {
  const username = singleString(fields, 'username');
  if (!username.success) return username;
  if (!usernamePattern.test(username.data)) {
    const shown = username.data.length <= 128 ? `"${username.data}"` : `${username.data.length} characters`;
    return invalid(
      `username must be 1 to 128 letters, digits, symbols or punctuation with no spaces, got ${shown}`,
    );
  }
  return username;
}

/** Messages mention lengths only, never the password. */
function passwordIn(fields: FormFields, name: string): Result<string, BodyProblem> {
  const password = singleString(fields, name);
  if (!password.success) return password;
  return password.data.length > maxPasswordLength
    ? invalid(`${name} must be at most ${maxPasswordLength} characters`)
    : password;
}

/** A required, non-empty string sent exactly once. Messages mention types and counts, never values. */
function singleString(fields: FormFields, name: string): Result<string, BodyProblem> {
  const values = fields.get(name) ?? [];
  if (values.length > 1) return invalid(`${name} must be sent once, got ${values.length} values`);
  const [value] = values;
  if (value === undefined || value === null || value === '') return invalid(`${name} is required`);
  if (typeof value !== 'string') {
    return invalid(`${name} must be a string, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return ok(value);
}

function invalid(message: string): { readonly success: false; readonly error: BodyProblem } {
  return fail({ kind: 'invalid-field', message });
}
