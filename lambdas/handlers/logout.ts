/**
 * POST /logout: `{ refreshToken }` (JSON or form) → revokes it; afterwards `/refresh` with it gets 401.
 * Answers `200 { message }` whether or not the token was live (logging out twice is harmless, and the
 * answer says nothing about which tokens exist), and clears the `parley_token` cookie when
 * LOGIN_COOKIE=true. A malformed body gets 400. The refresh token is never logged.
 *
 * Access tokens already issued stay valid until they expire (JWTs are verified without asking the
 * issuer), and so do connections opened with them: the sweeper closes those at token expiry.
 */
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CognitoPasswordAuthenticator } from '../adapters/cognito-password-auth.ts';
import { createJsonLogger } from '../adapters/json-logger.ts';
import { loadLoginConfig, loadTokenCookieConfig, type TokenCookieConfig } from '../config.ts';
import { parseLogoutRequest } from '../core/credentials.ts';
import type { PasswordAuthenticator } from '../core/password-authenticator.ts';
import type { Logger } from '../core/ports.ts';
import {
  bodyProblemResponse,
  clearedTokenCookie,
  errorName,
  jsonResponse,
  requestBodyOf,
  withCookies,
} from './http-response.ts';

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
  const logger = deps.logger ?? createJsonLogger({ function: 'logout' });
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const requestId = event.requestContext?.requestId;
    const request = parseLogoutRequest(requestBodyOf(event));
    if (!request.success) {
      logger.info('logout refused', { outcome: request.error.kind, requestId });
      return bodyProblemResponse(request.error);
    }
    let result: Awaited<ReturnType<PasswordAuthenticator['revoke']>>;
    try {
      result = await deps.authenticator.revoke(request.data.refreshToken);
    } catch (error) {
      logger.error('logout failed', { errorName: errorName(error), requestId });
      return jsonResponse(500, { message: 'Logout failed; try again later' });
    }
    if (!result.success) {
      logger.info('logout refused', { outcome: result.error, requestId });
      return jsonResponse(429, { message: 'Too many requests; try again later' });
    }
    logger.info('logout succeeded', { outcome: result.data, requestId });
    return withCookies(
      jsonResponse(200, { message: loggedOutMessage }),
      deps.tokenCookie?.enabled ? [clearedTokenCookie(deps.tokenCookie)] : [],
    );
  };
}

let defaultHandler: ReturnType<typeof createLogoutHandler> | undefined;

/**
 * Cognito's RevokeToken, for the app client in COGNITO_CLIENT_ID. Built on the first invocation and
 * reused by warm ones; importing the module needs no environment.
 */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  if (!defaultHandler) {
    const logger = createJsonLogger({ function: 'logout' });
    const authenticator = new CognitoPasswordAuthenticator({
      client: new CognitoIdentityProviderClient({}),
      clientId: loadLoginConfig().userPoolClientId,
      logger,
    });
    defaultHandler = createLogoutHandler({ authenticator, logger, tokenCookie: loadTokenCookieConfig() });
  }
  return defaultHandler(event);
};
