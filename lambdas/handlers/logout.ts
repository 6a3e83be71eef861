/**
 * POST /logout: `{ refreshToken }` (JSON or form) → revokes it; afterwards `/refresh` with it gets 401.
 * Answers `200 { message }` whether or not the token was live (logging out twice is harmless, and the
 * answer says nothing about which tokens exist), and clears the `parley_token` cookie when
 * LOGIN_COOKIE=true. A malformed body gets 400. The refresh token is never logged.
 *
 * Access tokens already issued stay valid until they expire (JWTs are verified without asking the
 * issuer), and so do connections opened with them: the sweeper closes those at token expiry.
 */
import { createJsonLogger } from '../adapters/json-logger.ts';
import type { TokenCookieConfig } from '../config.ts';
import { parseLogoutRequest } from '../core/credentials.ts';
import type { PasswordAuthenticator } from '../core/password-authenticator.ts';
import type { Logger } from '../core/ports.ts';
import { createCredentialEndpoint, lazyCognitoHandler, tooManyRequests } from './credential-endpoint.ts';
import { clearedTokenCookie, jsonResponse, withCookies } from './http-response.ts';

export interface LogoutDeps {
  /** Only `revoke` is used. */
  readonly authenticator: Pick<PasswordAuthenticator, 'revoke'>;
  /** @default a JSON-lines logger on stdout */
  readonly logger?: Logger;
  /** When enabled, the response clears the `parley_token` cookie. @default disabled */
  readonly tokenCookie?: TokenCookieConfig;
}

export const loggedOutMessage = 'Logged out';

export function createLogoutHandler(deps: LogoutDeps) {
  return createCredentialEndpoint(
    {
      name: 'logout',
      parse: parseLogoutRequest,
      call: ({ refreshToken }) => deps.authenticator.revoke(refreshToken),
      // The only refusal revoke reports is throttling; unknown tokens are a success (see above).
      refused: () => tooManyRequests(),
      // Whether a live token was revoked or the token was unknown: the answer is the same, the log tells.
      logged: (outcome) => ({ outcome }),
      succeeded: () =>
        withCookies(
          jsonResponse(200, { message: loggedOutMessage }),
          deps.tokenCookie?.enabled ? [clearedTokenCookie(deps.tokenCookie)] : [],
        ),
    },
    deps.logger ?? createJsonLogger({ function: 'logout' }),
  );
}

export const handler = lazyCognitoHandler('logout', createLogoutHandler);
