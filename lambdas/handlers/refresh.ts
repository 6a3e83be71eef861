/**
 * POST /refresh: `{ refreshToken }` (JSON or form) → `{ token, expiresIn }`, plus `refreshToken` when
 * the issuer rotated it. The refresh token is never logged. With LOGIN_COOKIE=true the new token is also
 * set as the HttpOnly `parley_token` cookie.
 */
import { createJsonLogger } from '../adapters/json-logger.ts';
import type { TokenCookieConfig } from '../config.ts';
import { parseRefreshRequest } from '../core/credentials.ts';
import type { PasswordAuthenticator } from '../core/password-authenticator.ts';
import type { Logger } from '../core/ports.ts';
import { createCredentialEndpoint, lazyCognitoHandler, tooManyRequests } from './credential-endpoint.ts';
import { jsonResponse, tokenCookiesFor, withCookies } from './http-response.ts';

export interface RefreshDeps {
  readonly authenticator: PasswordAuthenticator;
  /** @default a JSON-lines logger on stdout */
  readonly logger?: Logger;
  /**
   * When enabled, the response also sets the HttpOnly `parley_token` cookie (see `TokenCookieConfig`).
   * @default disabled
   */
  readonly tokenCookie?: TokenCookieConfig;
}

export const invalidRefreshTokenMessage = 'Invalid or expired refresh token';

export function createRefreshHandler(deps: RefreshDeps) {
  return createCredentialEndpoint(
    {
      name: 'refresh',
      parse: parseRefreshRequest,
      call: ({ refreshToken }) => deps.authenticator.refresh(refreshToken),
      refused: (refusal) =>
        refusal === 'throttled'
          ? tooManyRequests()
          : jsonResponse(401, { message: invalidRefreshTokenMessage }),
      succeeded: ({ token, refreshToken, expiresIn }) =>
        withCookies(
          jsonResponse(
            200,
            refreshToken === undefined ? { token, expiresIn } : { token, refreshToken, expiresIn },
          ),
          tokenCookiesFor(deps.tokenCookie, token, expiresIn),
        ),
    },
    deps.logger ?? createJsonLogger({ function: 'refresh' }),
  );
}

export const handler = lazyCognitoHandler('refresh', createRefreshHandler);
