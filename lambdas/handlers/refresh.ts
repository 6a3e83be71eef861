/**
 * POST /refresh: `{ refreshToken }` (JSON or form) → `{ token, expiresIn }`, plus `refreshToken` when
 * the issuer rotated it. The refresh token is never logged. With LOGIN_COOKIE=true the new token is also
 * set as the HttpOnly `parley_token` cookie.
 */
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CognitoPasswordAuthenticator } from '../adapters/cognito-password-auth.ts';
import { createJsonLogger } from '../adapters/json-logger.ts';
import { loadLoginConfig, loadTokenCookieConfig, type TokenCookieConfig } from '../config.ts';
import { parseRefreshRequest } from '../core/credentials.ts';
import type { PasswordAuthenticator } from '../core/password-authenticator.ts';
import type { Logger } from '../core/ports.ts';
import {
  bodyProblemResponse,
  errorName,
  jsonResponse,
  requestBodyOf,
  tokenCookiesFor,
  withCookies,
} from './http-response.ts';

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
  const logger = deps.logger ?? createJsonLogger({ function: 'refresh' });
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const requestId = event.requestContext?.requestId;
    const request = parseRefreshRequest(requestBodyOf(event));
    if (!request.success) {
      logger.info('refresh refused', { outcome: request.error.kind, requestId });
      return bodyProblemResponse(request.error);
    }
    let result: Awaited<ReturnType<PasswordAuthenticator['refresh']>>;
    try {
      result = await deps.authenticator.refresh(request.data.refreshToken);
    } catch (error) {
      logger.error('refresh failed', { errorName: errorName(error), requestId });
      return jsonResponse(500, { message: 'Refresh failed; try again later' });
    }
    if (!result.success) {
      logger.info('refresh refused', { outcome: result.error, requestId });
      return result.error === 'throttled'
        ? jsonResponse(429, { message: 'Too many requests; try again later' })
        : jsonResponse(401, { message: invalidRefreshTokenMessage });
    }
    logger.info('refresh succeeded', { requestId });
    const { token, refreshToken, expiresIn } = result.data;
    return withCookies(
      jsonResponse(
        200,
        refreshToken === undefined ? { token, expiresIn } : { token, refreshToken, expiresIn },
      ),
      tokenCookiesFor(deps.tokenCookie, token, expiresIn),
    );
  };
}

let defaultHandler: ReturnType<typeof createRefreshHandler> | undefined;

/** Built on the first invocation and reused by warm ones; importing the module needs no environment. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  if (!defaultHandler) {
    const logger = createJsonLogger({ function: 'refresh' });
    const authenticator = new CognitoPasswordAuthenticator({
      client: new CognitoIdentityProviderClient({}),
      clientId: loadLoginConfig().userPoolClientId,
      logger,
    });
    defaultHandler = createRefreshHandler({ authenticator, logger, tokenCookie: loadTokenCookieConfig() });
  }
  return defaultHandler(event);
};
