/**
 * The shape /login, /refresh and /logout share: parse the body (a clear 400/413/415 on bad input),
 * call the identity provider, and map its outcome to a response. Failures are logged by outcome or
 * error name only: these requests carry passwords and refresh tokens.
 */
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CognitoPasswordAuthenticator } from '../adapters/cognito-password-auth.ts';
import { createJsonLogger } from '../adapters/json-logger.ts';
import { loadLoginConfig, loadTokenCookieConfig, type TokenCookieConfig } from '../config.ts';
import { describeFailure } from '../core/failure.ts';
import type { BodyProblem, RequestBody } from '../core/form-body.ts';
import type { PasswordAuthenticator } from '../core/password-authenticator.ts';
import type { Logger } from '../core/ports.ts';
import type { Result } from '../core/result.ts';
import { bodyProblemResponse, jsonResponse, requestBodyOf } from './http-response.ts';

export type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export interface CredentialEndpoint<Request, Outcome> {
  /** Used in log lines and the 500 message: `login`, `refresh`, `logout`. */
  readonly name: string;
  parse(body: RequestBody): Promise<Result<Request, BodyProblem>>;
  call(request: Request): Promise<Result<Outcome, string>>;
  /** The response to an expected refusal (bad credentials, throttling …). */
  refused(refusal: string): APIGatewayProxyStructuredResultV2;
  succeeded(outcome: Outcome): APIGatewayProxyStructuredResultV2;
  /** Extra fields for the success log line; never credentials. @default none */
  logged?(outcome: Outcome): Record<string, unknown>;
}

export const tooManyRequests = () => jsonResponse(429, { message: 'Too many requests; try again later' });

export function createCredentialEndpoint<Request, Outcome>(
  endpoint: CredentialEndpoint<Request, Outcome>,
  logger: Logger,
): HttpHandler {
  const { name } = endpoint;
  return async (event) => {
    const requestId = event.requestContext?.requestId;
    const request = await endpoint.parse(requestBodyOf(event));
    if (!request.success) {
      logger.info(`${name} refused`, { outcome: request.error.kind, requestId });
      return bodyProblemResponse(request.error);
    }
    let result: Result<Outcome, string>;
    try {
      result = await endpoint.call(request.data);
    } catch (error) {
      logger.error(`${name} failed`, { ...describeFailure(error, { includeMessage: false }), requestId });
      return jsonResponse(500, {
        message: `${name.charAt(0).toUpperCase()}${name.slice(1)} failed; try again later`,
      });
    }
    if (!result.success) {
      logger.info(`${name} refused`, { outcome: result.error, requestId });
      return endpoint.refused(result.error);
    }
    logger.info(`${name} succeeded`, { ...endpoint.logged?.(result.data), requestId });
    return endpoint.succeeded(result.data);
  };
}

export interface CognitoEndpointDeps {
  readonly authenticator: PasswordAuthenticator;
  readonly logger: Logger;
  readonly tokenCookie: TokenCookieConfig;
}

/**
 * The production handler of a credential endpoint, backed by Cognito for the app client in
 * COGNITO_CLIENT_ID. Built on the first invocation and reused by warm ones, so importing the module
 * needs no environment.
 */
export function lazyCognitoHandler(
  name: string,
  build: (deps: CognitoEndpointDeps) => HttpHandler,
): HttpHandler {
  let built: HttpHandler | undefined;
  return async (event) => {
    if (!built) {
      const logger = createJsonLogger({ function: name });
      const authenticator = new CognitoPasswordAuthenticator({
        client: new CognitoIdentityProviderClient({}),
        clientId: loadLoginConfig().userPoolClientId,
        logger,
      });
      built = build({ authenticator, logger, tokenCookie: loadTokenCookieConfig() });
    }
    return built(event);
  };
}
