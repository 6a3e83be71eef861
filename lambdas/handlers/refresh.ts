/**
 * POST /refresh: `{ refreshToken }` (JSON or form) → `{ token, expiresIn }`, plus `refreshToken` when
 * the issuer rotated it. In cookie mode the refresh token may come from its HttpOnly cookie instead (an
 * empty body), the new token is also set as a cookie, and with TOKENS_IN_BODY=false the body carries no
 * token. A foreign `Origin` gets 403 in cookie mode. The refresh token is never logged.
 */
import { parseRefreshRequest } from '../core/credentials.ts';
import type { PasswordAuthenticator } from '../core/password-authenticator.ts';
import {
  type CredentialEndpointSettings,
  createCredentialEndpoint,
  lazyCognitoHandler,
  refreshTokenFromCookie,
  tokenResponse,
  tooManyRequests,
} from './credential-endpoint.ts';
import { jsonResponse, requestBodyOf } from './http-response.ts';

export interface RefreshDeps extends CredentialEndpointSettings {
  /** Only `refresh` is used. */
  readonly authenticator: Pick<PasswordAuthenticator, 'refresh'>;
}

export const invalidRefreshTokenMessage = 'Invalid or expired refresh token';

export function createRefreshHandler(deps: RefreshDeps) {
  return createCredentialEndpoint(
    {
      name: 'refresh',
      parse: (event) =>
        parseRefreshRequest(requestBodyOf(event), refreshTokenFromCookie(deps.tokenCookie, event)),
      call: ({ refreshToken }) => deps.authenticator.refresh(refreshToken),
      refused: (refusal) =>
        refusal === 'throttled'
          ? tooManyRequests()
          : jsonResponse(401, { message: invalidRefreshTokenMessage }),
      succeeded: (tokens) => tokenResponse(deps.tokenCookie, tokens),
    },
    deps,
  );
}

export const handler = lazyCognitoHandler('refresh', createRefreshHandler);
