/**
 * The shape /login, /password, /refresh and /logout share: in cookie mode refuse a foreign `Origin`,
 * parse the body (a clear 400/413/415 on bad input), call the identity provider, and map its outcome to
 * a response. Failures are logged by outcome or error name only: these requests carry passwords and
 * refresh tokens.
 */
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CognitoPasswordAuthenticator } from '../adapters/cognito-password-auth.ts';
import { createJsonLogger } from '../adapters/json-logger.ts';
import {
  loadLoginConfig,
  loadOriginConfig,
  loadTokenCookieConfig,
  type TokenCookieConfig,
} from '../config.ts';
import { refreshCookieName } from '../core/credential-names.ts';
import { describeFailure } from '../core/failure.ts';
import type { BodyProblem } from '../core/form-body.ts';
import { anyOriginPolicy, checkOrigin, type OriginPolicy } from '../core/origin-policy.ts';
import type { PasswordAuthenticator, Tokens } from '../core/password-authenticator.ts';
import type { Logger } from '../core/ports.ts';
import type { Result } from '../core/result.ts';
import { defaults } from '../defaults.ts';
import {
  bodyProblemResponse,
  headerValue,
  jsonResponse,
  refreshTokenCookies,
  requestCookie,
  tokenCookiesFor,
  withCookies,
} from './http-response.ts';

export type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** An expected refusal: a name, or an object whose `reason` names it. Only the name is logged. */
export type Refusal = string | { readonly reason: string };

export interface CredentialEndpoint<Request, Outcome, Failure extends Refusal> {
  /** Used in log lines and the 500 message: `login`, `password`, `refresh`, `logout`. */
  readonly name: string;
  parse(event: APIGatewayProxyEventV2): Promise<Result<Request, BodyProblem>>;
  call(request: Request): Promise<Result<Outcome, Failure>>;
  /** The response to an expected refusal (bad credentials, throttling …). */
  refused(refusal: Failure): APIGatewayProxyStructuredResultV2;
  succeeded(outcome: Outcome): APIGatewayProxyStructuredResultV2;
  /** The success log line: another message, or extra fields; never credentials. @default `<name> succeeded` */
  logged?(outcome: Outcome): { readonly message?: string; readonly fields?: Record<string, unknown> };
}

/** What every credential endpoint is configured with. */
export interface CredentialEndpointSettings {
  /**
   * Cookie mode (see `TokenCookieConfig`): which cookies responses set, and whether tokens also travel
   * in bodies. @default cookies off, tokens in bodies
   */
  readonly tokenCookie?: TokenCookieConfig;
  /**
   * In cookie mode, a request whose `Origin` is present and not allowed gets 403 before anything else
   * happens: a cross-site form must not log a victim in as the attacker, nor use the victim's cookies.
   * @default any origin
   */
  readonly origins?: OriginPolicy;
  /** @default a JSON-lines logger on stdout */
  readonly logger?: Logger;
}

export const tooManyRequests = () => jsonResponse(429, { message: 'Too many requests; try again later' });

const cookiesOff: TokenCookieConfig = { enabled: false, tokensInBody: true };

export function createCredentialEndpoint<Request, Outcome, Failure extends Refusal>(
  endpoint: CredentialEndpoint<Request, Outcome, Failure>,
  settings: CredentialEndpointSettings,
): HttpHandler {
  const { name } = endpoint;
  const logger = settings.logger ?? createJsonLogger({ function: name });
  const tokenCookie = settings.tokenCookie ?? cookiesOff;
  const origins = settings.origins ?? anyOriginPolicy;
  return async (event) => {
    const requestId = event.requestContext?.requestId;
    const foreign = tokenCookie.enabled
      ? foreignOrigin(origins, headerValue(event.headers, 'origin'))
      : undefined;
    if (foreign !== undefined) {
      logger.info(`${name} refused`, { outcome: 'OriginNotAllowed', requestId });
      return jsonResponse(403, { message: `Origin ${JSON.stringify(foreign)} may not call this API` });
    }
    const request = await endpoint.parse(event);
    if (!request.success) {
      logger.info(`${name} refused`, { outcome: request.error.kind, requestId });
      return bodyProblemResponse(request.error);
    }
    let result: Result<Outcome, Failure>;
    try {
      result = await endpoint.call(request.data);
    } catch (error) {
      logger.error(`${name} failed`, { ...describeFailure(error, { includeMessage: false }), requestId });
      return jsonResponse(500, {
        message: `${name.charAt(0).toUpperCase()}${name.slice(1)} failed; try again later`,
      });
    }
    if (!result.success) {
      const refusal = result.error;
      logger.info(`${name} refused`, {
        outcome: typeof refusal === 'string' ? refusal : refusal.reason,
        requestId,
      });
      return endpoint.refused(refusal);
    }
    const line = endpoint.logged?.(result.data);
    logger.info(line?.message ?? `${name} succeeded`, { ...line?.fields, requestId });
    return endpoint.succeeded(result.data);
  };
}

/** The `Origin` header when it is present and not allowed (shortened for the answer), else undefined. */
function foreignOrigin(origins: OriginPolicy, origin: string | undefined): string | undefined {
  if (origin === undefined || origin.trim() === '') return undefined;
  // A present Origin is what is checked: requests without one do not come from a page.
  if (checkOrigin({ ...origins, allowMissingOrigin: true }, [origin]).success) return undefined;
  return origin.length > 100 ? `${origin.slice(0, 100)}…` : origin;
}

/**
 * The answer to a login, a new password or a refresh: the tokens in the body (unless cookie-only),
 * the token cookie in cookie mode, and in cookie-only mode the refresh token as its own cookie.
 */
export function tokenResponse(tokenCookie: TokenCookieConfig | undefined, tokens: Tokens) {
  const { token, refreshToken, expiresIn } = tokens;
  const inBody = tokenCookie?.enabled !== true || tokenCookie.tokensInBody;
  const body = inBody
    ? { token, ...(refreshToken === undefined ? {} : { refreshToken }), expiresIn }
    : { expiresIn };
  const refreshCookies =
    !inBody && refreshToken !== undefined
      ? refreshTokenCookies(refreshToken, defaults.refreshTokenValidityDays * 86_400)
      : [];
  return withCookies(jsonResponse(200, body), [
    ...tokenCookiesFor(tokenCookie, token, expiresIn),
    ...refreshCookies,
  ]);
}

/** In cookie mode, the refresh token of the refresh-token cookie, for requests that leave it out of the body. */
export function refreshTokenFromCookie(
  tokenCookie: TokenCookieConfig | undefined,
  event: Pick<APIGatewayProxyEventV2, 'cookies'>,
): string | undefined {
  return tokenCookie?.enabled ? requestCookie(event, refreshCookieName) : undefined;
}

/** What the production endpoints share: the Cognito app client in COGNITO_CLIENT_ID, cookies and origins. */
export interface CognitoEndpointDeps {
  readonly authenticator: PasswordAuthenticator;
  readonly logger: Logger;
  readonly tokenCookie: TokenCookieConfig;
  readonly origins: OriginPolicy;
}

/**
 * The production handler of a credential endpoint, backed by Cognito for the app client in
 * COGNITO_CLIENT_ID, with LOGIN_COOKIE, COOKIE_DOMAIN, TOKENS_IN_BODY and ALLOWED_ORIGINS. Built on the
 * first invocation and reused by warm ones, so importing the module needs no environment.
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
      built = build({
        authenticator,
        logger,
        tokenCookie: loadTokenCookieConfig(),
        origins: loadOriginConfig(),
      });
    }
    return built(event);
  };
}
