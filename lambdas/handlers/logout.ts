/**
 * POST /logout: `{ refreshToken }` (JSON or form) → revokes it; afterwards `/refresh` with it gets 401.
 * With `"everywhere": true` it ends every session of the token's user instead (all their refresh tokens
 * stop working) and closes every live connection of the user, each told why with a `closing` frame
 * (`LOGGED_OUT`, `reconnect: false`). Answers `200 { message }` whether or not the token was live
 * (logging out twice is harmless, and the answer says nothing about which tokens exist), and clears the
 * cookies in cookie mode, where the refresh token may come from its cookie. A malformed body gets 400.
 * The refresh token is never logged.
 *
 * Access tokens already issued stay valid until they expire (JWTs are verified without asking the
 * issuer): a holder can still open a connection with one until then. Connections opened with them and
 * not closed here are closed by the sweeper at token expiry.
 */
import { closeConnectionsOfUser, closingReasons } from '../core/closing.ts';
import { parseLogoutRequest } from '../core/credentials.ts';
import type { PasswordAuthenticator } from '../core/password-authenticator.ts';
import { ok } from '../core/result.ts';
import {
  type CredentialEndpointSettings,
  createCredentialEndpoint,
  lazyCognitoHandler,
  refreshTokenFromCookie,
  tooManyRequests,
} from './credential-endpoint.ts';
import {
  clearedRefreshTokenCookies,
  clearedTokenCookie,
  jsonResponse,
  requestBodyOf,
  withCookies,
} from './http-response.ts';
import { closingDepsFromEnv } from './wiring.ts';

export interface LogoutDeps extends CredentialEndpointSettings {
  /** Only `revoke` and `signOutEverywhere` are used. */
  readonly authenticator: Pick<PasswordAuthenticator, 'revoke' | 'signOutEverywhere'>;
  /** Closes every live connection of a user with a `closing` frame; returns how many. */
  readonly closeConnectionsOf: (username: string) => Promise<number>;
}

export const loggedOutMessage = 'Logged out';

/** What a logout did, for the log line only: the answer is the same whatever happened. */
interface LogoutOutcome {
  readonly outcome: 'revoked' | 'unknown' | 'signed-out-everywhere';
  readonly closedConnections?: number;
}

export function createLogoutHandler(deps: LogoutDeps) {
  const cleared = deps.tokenCookie?.enabled
    ? [clearedTokenCookie(deps.tokenCookie), ...clearedRefreshTokenCookies()]
    : [];
  return createCredentialEndpoint(
    {
      name: 'logout',
      parse: (event) =>
        parseLogoutRequest(requestBodyOf(event), refreshTokenFromCookie(deps.tokenCookie, event)),
      call: async ({ refreshToken, everywhere }) => {
        if (!everywhere) {
          const revoked = await deps.authenticator.revoke(refreshToken);
          return revoked.success ? ok<LogoutOutcome>({ outcome: revoked.data }) : revoked;
        }
        const signedOut = await deps.authenticator.signOutEverywhere(refreshToken);
        if (!signedOut.success) return signedOut;
        if (signedOut.data === 'unknown') return ok<LogoutOutcome>({ outcome: 'unknown' });
        const closedConnections = await deps.closeConnectionsOf(signedOut.data.username);
        return ok<LogoutOutcome>({ outcome: 'signed-out-everywhere', closedConnections });
      },
      // The only refusal revoking reports is throttling; unknown tokens are a success (see above).
      refused: () => tooManyRequests(),
      // Whether a live token was revoked or the token was unknown: the answer is the same, the log tells.
      logged: (outcome) => ({ fields: { ...outcome } }),
      succeeded: () => withCookies(jsonResponse(200, { message: loggedOutMessage }), cleared),
    },
    deps,
  );
}

/** Also reads TABLE_NAME and CALLBACK_URL: logging out everywhere closes the user's connections. */
export const handler = lazyCognitoHandler('logout', (deps) => {
  const closing = closingDepsFromEnv(deps.logger);
  return createLogoutHandler({
    ...deps,
    closeConnectionsOf: (username) => closeConnectionsOfUser(closing, username, closingReasons.loggedOut),
  });
});
