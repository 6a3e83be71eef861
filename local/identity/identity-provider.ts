/**
 * The local stack's stand-in for Cognito: `POST /login`, `POST /password`, `POST /refresh`,
 * `POST /logout` and `GET /.well-known/jwks.json`, served by the same login, password, refresh and
 * logout handlers as on AWS with a local {@link PasswordAuthenticator}. The tokens it issues are verified by the real authorizer in OIDC mode
 * (aws-jwt-verify fetching this JWKS over loopback HTTP), so the local stack exercises the same
 * verification code as AWS.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { TokenCookieConfig } from '../../lambdas/config.ts';
import { ConfigurationError } from '../../lambdas/core/errors.ts';
import type { LoginFailureLog } from '../../lambdas/core/login-lockout.ts';
import type { OriginPolicy } from '../../lambdas/core/origin-policy.ts';
import type { PasswordAuthenticator } from '../../lambdas/core/password-authenticator.ts';
import type { Clock, Logger } from '../../lambdas/core/ports.ts';
import { createLoginHandler } from '../../lambdas/handlers/login.ts';
import { createLogoutHandler } from '../../lambdas/handlers/logout.ts';
import { createPasswordHandler } from '../../lambdas/handlers/password.ts';
import { createRefreshHandler } from '../../lambdas/handlers/refresh.ts';
import { AccessTokenIssuer, defaultTokenTtlSeconds } from './access-token-issuer.ts';
import { serveHttpApi } from './lambda-http-bridge.ts';
import { LocalPasswordAuthenticator } from './local-password-authenticator.ts';
import { isLoopbackHttpUrl } from './loopback-jwks-fetcher.ts';
import { MemoryLoginFailureLog } from './memory-login-failures.ts';
import { defaultRefreshTokenTtlSeconds, RefreshTokenStore } from './refresh-token-store.ts';
import { loadSigningKey, type RsaSigningJwk } from './signing-key.ts';
import { UserDirectory } from './user-directory.ts';
import { usersFileIn } from './users-file.ts';

export const defaultLocalClientId = 'parley-local';
export const jwksPath = '/.well-known/jwks.json';

export interface IdentityProviderProps {
  /**
   * The `iss` of issued tokens and the base of the JWKS URL: the origin of the HTTP server that
   * mounts {@link IdentityProvider.handle}, e.g. `http://127.0.0.1:8787`. Must be http on a loopback
   * host (or https) and have no path.
   */
  readonly issuerUrl: string;
  /** The `client_id` / `aud` of issued tokens. @default 'parley-local' */
  readonly clientId?: string;
  /**
   * Keeps the signing key, the refresh tokens and the users file (`users.json`, created with the demo
   * users when missing) across restarts; in memory when absent.
   */
  readonly dataDir?: string;
  /** An RSA private key PEM to sign with instead of `<dataDir>/signing-key.pem`. */
  readonly signingKeyFile?: string;
  /** A users JSON file (see README.md) that must exist; wins over `<dataDir>/users.json`. @default see `dataDir` */
  readonly usersFile?: string;
  /** @default 3600 */
  readonly tokenTtlSeconds?: number;
  /** @default 2 592 000 (30 days) */
  readonly refreshTokenTtlSeconds?: number;
  /**
   * The HttpOnly `parley_token` cookie on /login and /refresh (cleared by /logout), as LOGIN_COOKIE and
   * COOKIE_DOMAIN configure it on AWS. @default disabled
   */
  readonly tokenCookie?: TokenCookieConfig;
  /** In cookie mode, a present `Origin` must be on this list (ALLOWED_ORIGINS on AWS). @default any origin */
  readonly origins?: OriginPolicy;
  /**
   * Closes every live connection of a user, for `POST /logout` with `everywhere` (the local stack closes
   * them through the table and @connections, as the logout function does on AWS).
   * @default none: logging out everywhere fails with 500
   */
  readonly closeConnectionsOf?: (username: string) => Promise<number>;
  /** Where failed logins are counted. @default in memory */
  readonly loginFailures?: LoginFailureLog;
  /** @default the handlers' JSON-lines logger on stdout */
  readonly logger?: Logger;
  /** Epoch milliseconds, for tests. @default Date.now */
  readonly now?: Clock;
}

/** A type alias rather than an interface so it is assignable to aws-jwt-verify's `Jwks` (a JSON object). */
export type Jwks = {
  readonly keys: RsaSigningJwk[];
};

/** The environment the authorizer (lambdas/config.ts `loadAuthConfig`) needs to trust this issuer. */
/** A type alias so it can be passed wherever an env map (`Record<string, string>`) is expected. */
export type LocalAuthorizerEnv = {
  readonly AUTH_MODE: 'oidc';
  readonly OIDC_ISSUER: string;
  readonly OIDC_AUDIENCE: string;
  readonly OIDC_JWKS_URI: string;
  readonly OIDC_TOKEN_USE: 'access';
  readonly OIDC_GROUPS_CLAIM: 'cognito:groups';
};

export interface IdentityProvider {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUri: string;
  readonly jwks: Jwks;
  readonly authenticator: PasswordAuthenticator;
  readonly users: UserDirectory;
  readonly authorizerEnv: LocalAuthorizerEnv;
  /** Where the signing key came from: its file, or `memory`. */
  readonly signingKeyOrigin: string;
  /** The Lambda-shaped handlers, for callers that route themselves. */
  readonly loginHandler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  readonly passwordHandler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  readonly refreshHandler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  readonly logoutHandler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  /**
   * Serves `POST /login`, `POST /password`, `POST /refresh`, `POST /logout` and
   * `GET /.well-known/jwks.json`; false for any other path.
   */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** An access token for a known user without their password (test setup); throws for unknown users. */
  issueAccessToken(username: string): Promise<string>;
  revokeRefreshToken(refreshToken: string): Promise<boolean>;
}

export async function createIdentityProvider(props: IdentityProviderProps): Promise<IdentityProvider> {
  const issuer = validateIssuerUrl(props.issuerUrl);
  const audience = props.clientId ?? defaultLocalClientId;
  const jwksUri = `${issuer}${jwksPath}`;
  const tokenTtlSeconds = props.tokenTtlSeconds ?? defaultTokenTtlSeconds;
  if (!Number.isInteger(tokenTtlSeconds) || tokenTtlSeconds < 1) {
    throw new ConfigurationError([`tokenTtlSeconds must be a positive integer, got ${tokenTtlSeconds}`]);
  }
  const [signingKey, users, refreshTokens] = await Promise.all([
    loadSigningKey({ dataDir: props.dataDir, signingKeyFile: props.signingKeyFile }),
    openUsers(props),
    RefreshTokenStore.open({
      dataDir: props.dataDir,
      ttlSeconds: props.refreshTokenTtlSeconds ?? defaultRefreshTokenTtlSeconds,
      now: props.now,
    }),
  ]);
  const issuerOfTokens = new AccessTokenIssuer({
    signingKey,
    issuer,
    clientId: audience,
    ttlSeconds: tokenTtlSeconds,
    now: props.now,
  });
  const authenticator = new LocalPasswordAuthenticator({
    users,
    issuer: issuerOfTokens,
    refreshTokens,
    ...(props.now ? { now: props.now } : {}),
  });
  const handlerDeps = {
    authenticator,
    ...(props.logger ? { logger: props.logger } : {}),
    ...(props.tokenCookie ? { tokenCookie: props.tokenCookie } : {}),
    ...(props.origins ? { origins: props.origins } : {}),
  };
  const loginHandler = createLoginHandler({
    ...handlerDeps,
    loginFailures: props.loginFailures ?? new MemoryLoginFailureLog(props.now),
    ...(props.now ? { now: props.now } : {}),
  });
  const passwordHandler = createPasswordHandler(handlerDeps);
  const refreshHandler = createRefreshHandler(handlerDeps);
  const logoutHandler = createLogoutHandler({
    ...handlerDeps,
    closeConnectionsOf:
      props.closeConnectionsOf ??
      (async () => {
        throw new ConfigurationError(['this identity provider was created without closeConnectionsOf']);
      }),
  });
  const jwks: Jwks = { keys: [signingKey.publicJwk] };
  const jwksBody = JSON.stringify(jwks);

  const routes: Record<
    string,
    { method: string; serve: (req: IncomingMessage, res: ServerResponse) => Promise<void> }
  > = {
    '/login': {
      method: 'POST',
      serve: (req, res) => serveHttpApi(loginHandler, req, res, { routeKey: 'POST /login' }),
    },
    '/password': {
      method: 'POST',
      serve: (req, res) => serveHttpApi(passwordHandler, req, res, { routeKey: 'POST /password' }),
    },
    '/refresh': {
      method: 'POST',
      serve: (req, res) => serveHttpApi(refreshHandler, req, res, { routeKey: 'POST /refresh' }),
    },
    '/logout': {
      method: 'POST',
      serve: (req, res) => serveHttpApi(logoutHandler, req, res, { routeKey: 'POST /logout' }),
    },
    [jwksPath]: {
      method: 'GET',
      serve: async (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' }).end(jwksBody);
      },
    },
  };

  return {
    issuer,
    audience,
    jwksUri,
    jwks,
    authenticator,
    users,
    signingKeyOrigin: signingKey.origin,
    authorizerEnv: {
      AUTH_MODE: 'oidc',
      OIDC_ISSUER: issuer,
      OIDC_AUDIENCE: audience,
      OIDC_JWKS_URI: jwksUri,
      OIDC_TOKEN_USE: 'access',
      // The tokens are shaped like Cognito's, groups included.
      OIDC_GROUPS_CLAIM: 'cognito:groups',
    },
    loginHandler,
    passwordHandler,
    refreshHandler,
    logoutHandler,
    async handle(req, res) {
      const path = new URL(req.url ?? '/', 'http://local.invalid').pathname;
      const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
      if (!route) return false;
      const method = req.method ?? 'GET';
      if (method === route.method || (route.method === 'GET' && method === 'HEAD'))
        await route.serve(req, res);
      else {
        res
          .writeHead(405, { allow: route.method, 'content-type': 'application/json' })
          .end(JSON.stringify({ message: `${path} accepts ${route.method} only` }));
      }
      return true;
    },
    async issueAccessToken(username) {
      const user = await users.find(username);
      if (!user) throw new Error(`no local user named "${username}"`);
      return issuerOfTokens.issue(user).token;
    },
    revokeRefreshToken: (refreshToken) => refreshTokens.revoke(refreshToken),
  };
}

/** `usersFile` if given (it must exist), else `<dataDir>/users.json` (created with the demo users), else the demo users. */
function openUsers(props: IdentityProviderProps): Promise<UserDirectory> {
  if (props.usersFile) return UserDirectory.fromFile(props.usersFile);
  if (props.dataDir) return UserDirectory.openOrCreate(usersFileIn(props.dataDir));
  return UserDirectory.demo();
}

function validateIssuerUrl(issuerUrl: string): string {
  let url: URL;
  try {
    url = new URL(issuerUrl);
  } catch {
    throw new ConfigurationError([`issuerUrl must be an absolute URL, got "${issuerUrl}"`]);
  }
  const problems: string[] = [];
  if (url.protocol !== 'https:' && !isLoopbackHttpUrl(issuerUrl)) {
    problems.push(`issuerUrl must be http on localhost, 127.0.0.1 or [::1], or https, got "${issuerUrl}"`);
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    problems.push(`issuerUrl must be an origin with no path, query or fragment, got "${issuerUrl}"`);
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return url.origin;
}
