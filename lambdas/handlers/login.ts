/**
 * POST /login: `{ username, password }` (JSON, URL-encoded or multipart) → `{ token, refreshToken,
 * expiresIn }`. Unknown users and wrong passwords get the same 401 body. The password is never logged.
 * With LOGIN_COOKIE=true the token is also set as the HttpOnly `parley_token` cookie, for deployments
 * where the HTTP and WebSocket APIs share a domain (see `TokenCookieConfig`).
 */
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CognitoPasswordAuthenticator } from '../adapters/cognito-password-auth.ts';
import { createJsonLogger } from '../adapters/json-logger.ts';
import { loadLoginConfig, loadTokenCookieConfig, type TokenCookieConfig } from '../config.ts';
import { parseLoginRequest } from '../core/credentials.ts';
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
  const logger = deps.logger ?? createJsonLogger({ function: 'login' });
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const requestId = event.requestContext?.requestId;
    const request = parseLoginRequest(requestBodyOf(event));
    if (!request.success) {
      logger.info('login refused', { outcome: request.error.kind, requestId });
      return bodyProblemResponse(request.error);
    }
    let result: Awaited<ReturnType<PasswordAuthenticator['login']>>;
    try {
      result = await deps.authenticator.login(request.data.username, request.data.password);
    } catch (error) {
      logger.error('login failed', { errorName: errorName(error), requestId });
      return jsonResponse(500, { message: 'Login failed; try again later' });
    }
    if (!result.success) {
      logger.info('login refused', { outcome: result.error, requestId });
      return result.error === 'throttled'
        ? jsonResponse(429, { message: 'Too many requests; try again later' })
        : jsonResponse(401, { message: invalidCredentialsMessage });
    }
    logger.info('login succeeded', { requestId });
    const { token, refreshToken, expiresIn } = result.data;
    return withCookies(
      jsonResponse(200, { token, refreshToken, expiresIn }),
      tokenCookiesFor(deps.tokenCookie, token, expiresIn),
    );
  };
}

let defaultHandler: ReturnType<typeof createLoginHandler> | undefined;

/** Built on the first invocation and reused by warm ones; importing the module needs no environment. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  if (!defaultHandler) {
    const logger = createJsonLogger({ function: 'login' });
    const authenticator = new CognitoPasswordAuthenticator({
      client: new CognitoIdentityProviderClient({}),
      clientId: loadLoginConfig().userPoolClientId,
      logger,
    });
    defaultHandler = createLoginHandler({ authenticator, logger, tokenCookie: loadTokenCookieConfig() });
  }
  return defaultHandler(event);
};
