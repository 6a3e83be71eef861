/**
 * Login, refresh and logout request bodies → typed requests. Accepts what browsers and scripts send (JSON,
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

/** POST /logout names the refresh token to revoke. */
export type LogoutRequest = RefreshRequest;

/** Cognito accepts passwords of up to 256 characters. */
const maxPasswordLength = 256;
/** Cognito refresh tokens are JWEs of under 2 KB; local ones are shorter. Visible ASCII only. */
const refreshTokenPattern = /^[\x21-\x7e]{1,8192}$/;

export async function parseLoginRequest(request: RequestBody): Promise<Result<LoginRequest, BodyProblem>> {
  const fields = await parseFormBody(request);
  if (!fields.success) return fields;
  const username = singleString(fields.data, 'username');
  if (!username.success) return username;
  if (!usernamePattern.test(username.data)) {
    const shown = username.data.length <= 128 ? `"${username.data}"` : `${username.data.length} characters`;
    return invalid(
      `username must be 1 to 128 letters, digits, symbols or punctuation with no spaces, got ${shown}`,
    );
  }
  const password = singleString(fields.data, 'password');
  if (!password.success) return password;
  if (password.data.length > maxPasswordLength) {
    return invalid(`password must be at most ${maxPasswordLength} characters`);
  }
  return ok({ username: username.data, password: password.data });
}

export async function parseRefreshRequest(
  request: RequestBody,
): Promise<Result<RefreshRequest, BodyProblem>> {
  const fields = await parseFormBody(request);
  if (!fields.success) return fields;
  const refreshToken = singleString(fields.data, 'refreshToken');
  if (!refreshToken.success) return refreshToken;
  if (!refreshTokenPattern.test(refreshToken.data)) {
    return invalid('refreshToken must be 1 to 8192 visible ASCII characters');
  }
  return ok({ refreshToken: refreshToken.data });
}

/** `{ refreshToken }`, with the same rules as a refresh. */
export function parseLogoutRequest(request: RequestBody): Promise<Result<LogoutRequest, BodyProblem>> {
  return parseRefreshRequest(request);
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
