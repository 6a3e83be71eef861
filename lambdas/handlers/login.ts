/**
 * POST /login: `{ username, password }` (JSON, URL-encoded or multipart) → `{ token, refreshToken,
 * expiresIn }`. Unknown users and wrong passwords get the same 401 body. The password is never logged.
 * With LOGIN_COOKIE=true the token is also set as the HttpOnly `parley_token` cookie, for deployments
 * where the HTTP and WebSocket APIs share a domain (see `TokenCookieConfig`).
 */
import { createJsonLogger } from '../adapters/json-logger.ts';
import type { TokenCookieConfig } from '../config.ts';
import { parseLoginRequest } from '../core/credentials.ts';
import type { PasswordAuthenticator } from '../core/password-authenticator.ts';
import type { Logger } from '../core/ports.ts';
import { createCredentialEndpoint, lazyCognitoHandler, tooManyRequests } from './credential-endpoint.ts';
import { jsonResponse, tokenCookiesFor, withCookies } from './http-response.ts';

export interface LoginDeps {
  readonly authenticator: PasswordAuthenticator;
  /** @default a JSON-lines logger on stdout */
  readonly logger?: Logger;
  /**
   * When enabled, the response also sets the HttpOnly `parley_token` cookie (see `TokenCookieConfig`).
   * @default disabled
   */
  readonly tokenCookie?: TokenCookieConfig;
}

export const invalidCredentialsMessage = 'Invalid username or password';

export function createLoginHandler(deps: LoginDeps) {
  return createCredentialEndpoint(
    {
      name: 'login',
      parse: parseLoginRequest,
      call: ({ username, password }) => deps.authenticator.login(username, password),
      refused: (refusal) =>
        refusal === 'throttled'
          ? tooManyRequests()
          : jsonResponse(401, { message: invalidCredentialsMessage }),
      succeeded: ({ token, refreshToken, expiresIn }) =>
        withCookies(
          jsonResponse(200, { token, refreshToken, expiresIn }),
          tokenCookiesFor(deps.tokenCookie, token, expiresIn),
        ),
    },
    deps.logger ?? createJsonLogger({ function: 'login' }),
  );
}

export const handler = lazyCognitoHandler('login', createLoginHandler);
