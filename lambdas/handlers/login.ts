/**
 * POST /login: `{ username, password }` (JSON, URL-encoded or multipart) → `{ token, refreshToken,
 * expiresIn }`. Unknown users and wrong passwords get the same 401 body. A user who must choose a new
 * password (created by an administrator) gets 403 naming the challenge, with the session that
 * `POST /password` takes. After 5 failed logins for one username within 15 minutes, further attempts get
 * 429 with `Retry-After` (lambdas/core/login-lockout.ts); so does Cognito's own lockout. The password is
 * never logged. In cookie mode (LOGIN_COOKIE=true) the token is also set as an HttpOnly cookie, and with
 * TOKENS_IN_BODY=false the body carries no token at all (see `TokenCookieConfig`).
 */
import { documentClient } from '../adapters/aws-clients.ts';
import { DynamoLoginFailureLog } from '../adapters/dynamo-login-failures.ts';
import { loadStoreConfig } from '../config.ts';
import { parseLoginRequest } from '../core/credentials.ts';
import {
  guardLogin,
  type LockedOut,
  type LoginFailureLog,
  retryAfterIssuerLockout,
} from '../core/login-lockout.ts';
import {
  isChallenge,
  type LoginFailure,
  type NewPasswordChallenge,
  type PasswordAuthenticator,
} from '../core/password-authenticator.ts';
import type { Clock } from '../core/ports.ts';
import { fail } from '../core/result.ts';
import {
  type CredentialEndpointSettings,
  createCredentialEndpoint,
  lazyCognitoHandler,
  tokenResponse,
  tooManyRequests,
} from './credential-endpoint.ts';
import { jsonResponse, requestBodyOf } from './http-response.ts';

export interface LoginDeps extends CredentialEndpointSettings {
  /** Only `login` is used. */
  readonly authenticator: Pick<PasswordAuthenticator, 'login'>;
  /** Where failed logins are counted, per username. */
  readonly loginFailures: LoginFailureLog;
  /** Epoch milliseconds. @default Date.now */
  readonly now?: Clock;
}

export const invalidCredentialsMessage = 'Invalid username or password';

export function createLoginHandler(deps: LoginDeps) {
  const lockout = { failures: deps.loginFailures, now: deps.now ?? Date.now };
  return createCredentialEndpoint(
    {
      name: 'login',
      parse: (event) => parseLoginRequest(requestBodyOf(event)),
      call: async ({ username, password }) => {
        const result = await guardLogin(
          lockout,
          username,
          () => deps.authenticator.login(username, password),
          (refusal) => refusal === 'invalid-credentials',
        );
        if (result.success || result.error !== 'too-many-failures') return result;
        // The issuer locked the user itself: the same answer as Parley's own lockout.
        return fail<LockedOut>({
          reason: 'locked-out',
          retryAfterSeconds: await retryAfterIssuerLockout(lockout, username),
        });
      },
      refused: (refusal: Exclude<LoginFailure, 'too-many-failures'> | LockedOut) => {
        if (typeof refusal === 'object') return lockedOut(refusal.retryAfterSeconds);
        return refusal === 'throttled'
          ? tooManyRequests()
          : jsonResponse(401, { message: invalidCredentialsMessage });
      },
      succeeded: (outcome) =>
        isChallenge(outcome) ? newPasswordRequired(outcome) : tokenResponse(deps.tokenCookie, outcome),
      logged: (outcome) =>
        isChallenge(outcome)
          ? { message: 'login needs a new password', fields: { challenge: outcome.challenge } }
          : {},
    },
    deps,
  );
}

/** 429 for a locked username: the wait in `Retry-After` and in the body. */
function lockedOut(retryAfterSeconds: number) {
  return jsonResponse(
    429,
    {
      message: `Too many failed logins for this username; try again in ${retryAfterSeconds} seconds`,
      retryAfter: retryAfterSeconds,
    },
    { 'retry-after': String(retryAfterSeconds) },
  );
}

/** 403 naming the challenge: the password was right, but a new one must be set with POST /password. */
function newPasswordRequired(challenge: NewPasswordChallenge) {
  return jsonResponse(403, {
    message: 'A new password is required: POST /password with username, session and newPassword',
    challenge: challenge.challenge,
    session: challenge.session,
  });
}

/** Also reads TABLE_NAME: failed logins are counted in the table (LOGIN#<username> items only). */
export const handler = lazyCognitoHandler('login', (deps) =>
  createLoginHandler({
    ...deps,
    loginFailures: new DynamoLoginFailureLog(documentClient(), loadStoreConfig().tableName),
  }),
);
