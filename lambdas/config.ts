/**
 * Environment → typed configuration, validated once at cold start.
 *
 * Each function reads only the sections it needs (the authorizer has no table, the login function has
 * no WebSocket callback URL), so configuration comes in sections. Every loader collects all problems
 * before throwing, so one failed cold start shows everything that is wrong.
 */
import { ConfigurationError } from './core/errors.ts';
import { type OriginPolicy, parseAllowedOrigins } from './core/origin-policy.ts';
import type { RateLimit } from './core/rate-limit.ts';
import { defaults } from './defaults.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Collects problems while reading variables, then throws them together. */
class EnvReader {
  private readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  required(name: string): string {
    const value = this.env[name]?.trim();
    if (!value) {
      this.problems.push(`${name} is required`);
      return '';
    }
    return value;
  }

  optional(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  list(name: string): string[] {
    return (this.optional(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (!allowed.includes(raw as T)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
      return fallback;
    }
    return raw as T;
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  done<T>(value: T): T {
    if (this.problems.length > 0) throw new ConfigurationError(this.problems);
    return value;
  }
}

/** Where connections and rooms are stored. */
export interface StoreConfig {
  readonly tableName: string;
  /** Seconds a connection's rows live before DynamoDB TTL may remove them; at least API Gateway's 2 h maximum. */
  readonly connectionTtlSeconds: number;
}

export function loadStoreConfig(env: Env = process.env): StoreConfig {
  const reader = new EnvReader(env);
  return reader.done({
    tableName: reader.required('TABLE_NAME'),
    connectionTtlSeconds: reader.integer(
      'CONNECTION_TTL_SECONDS',
      defaults.connectionTtlSeconds,
      2 * 3600,
      7 * 24 * 3600,
    ),
  });
}

/** How handlers reach connected clients. */
export interface GatewayConfig {
  /** The stage's @connections endpoint: https://{apiId}.execute-api.{region}.amazonaws.com/{stage}. */
  readonly callbackUrl: string;
}

export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const reader = new EnvReader(env);
  const callbackUrl = reader.required('CALLBACK_URL');
  if (callbackUrl && !/^https?:\/\//.test(callbackUrl)) {
    reader.problem(`CALLBACK_URL must be an http(s) URL, got "${callbackUrl}"`);
  }
  return reader.done({ callbackUrl });
}

/** Which issuer the authorizer trusts. */
export type TokenIssuerConfig =
  | {
      readonly kind: 'cognito';
      readonly userPoolId: string;
      readonly clientId: string;
    }
  | {
      readonly kind: 'oidc';
      readonly issuer: string;
      /** Accepted `aud` values. */
      readonly audience: readonly string[];
      /**
       * https, or http on a loopback host for the local stack (which must then install a fetcher for it,
       * see `installLoopbackJwksFetcher`). @default `${issuer}/.well-known/jwks.json`
       */
      readonly jwksUri: string;
      /**
       * The value the token's `token_use` claim must have (e.g. `access`), or `null` when the check is
       * explicitly turned off (`OIDC_TOKEN_USE=none`). Required: an issuer's ID tokens must not open
       * connections by accident.
       */
      readonly tokenUse: string | null;
      /** The claim holding the user's global roles (`admin`, `moderator`). @default 'groups' */
      readonly groupsClaim: string;
    };

export interface AuthConfig {
  readonly issuer: TokenIssuerConfig;
}

/** https anywhere; plain http only on this machine (the local identity provider). */
function isKeySetUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (
    url.protocol === 'https:' ||
    (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname))
  );
}

/** `OIDC_TOKEN_USE` value that turns the `token_use` check off. */
export const tokenUseCheckOff = 'none';

/** A claim name: what a JWT payload can carry as a top-level member. */
const claimNamePattern = /^[\x21-\x7e]{1,128}$/;

export function loadAuthConfig(env: Env = process.env): AuthConfig {
  const reader = new EnvReader(env);
  const kind = reader.oneOf('AUTH_MODE', ['cognito', 'oidc'] as const, 'cognito');
  if (kind === 'cognito') {
    return reader.done({
      issuer: {
        kind,
        userPoolId: reader.required('COGNITO_USER_POOL_ID'),
        clientId: reader.required('COGNITO_CLIENT_ID'),
      },
    });
  }
  const issuer = reader.required('OIDC_ISSUER');
  const audience = reader.list('OIDC_AUDIENCE');
  if (audience.length === 0) reader.problem('OIDC_AUDIENCE is required (comma-separated accepted audiences)');
  const jwksUri = reader.optional('OIDC_JWKS_URI') ?? `${issuer.replace(/\/$/, '')}/.well-known/jwks.json`;
  if (issuer && !isKeySetUrl(jwksUri)) {
    reader.problem(
      `OIDC_JWKS_URI must be an https:// URL (http:// only on localhost, 127.0.0.1 or [::1], for the local stack), got "${jwksUri}"`,
    );
  }
  const tokenUse = env.OIDC_TOKEN_USE?.trim() ?? '';
  if (tokenUse === '') {
    reader.problem(
      `OIDC_TOKEN_USE is required: the token_use claim value to require (e.g. "access"), or "${tokenUseCheckOff}" to turn the check off`,
    );
  }
  const groupsClaim = reader.optional('OIDC_GROUPS_CLAIM') ?? defaults.oidcGroupsClaim;
  if (!claimNamePattern.test(groupsClaim)) {
    reader.problem(
      `OIDC_GROUPS_CLAIM must be a claim name of 1 to 128 visible characters, got "${groupsClaim}"`,
    );
  }
  return reader.done({
    issuer: {
      kind,
      issuer,
      audience,
      jwksUri,
      tokenUse: tokenUse === tokenUseCheckOff ? null : tokenUse,
      groupsClaim,
    },
  });
}

/** Limits on what one connection may do. */
export interface SessionPolicyConfig {
  /** Per-connection token bucket; undefined when RATE_LIMIT_PER_SECOND is 0 (no limit). */
  readonly rateLimit: RateLimit | undefined;
  /**
   * `RATE_LIMIT_CLOSE_AFTER`: refusals in a row after which a connection is closed (it kept sending
   * while limited); 0 never closes. @default 20
   */
  readonly closeAfterRefusals: number;
}

export function loadSessionPolicyConfig(env: Env = process.env): SessionPolicyConfig {
  const reader = new EnvReader(env);
  const perSecond = reader.integer('RATE_LIMIT_PER_SECOND', defaults.rateLimit.perSecond, 0, 10_000);
  const burst = reader.integer(
    'RATE_LIMIT_BURST',
    perSecond === defaults.rateLimit.perSecond ? defaults.rateLimit.burst : Math.max(1, 2 * perSecond),
    1,
    100_000,
  );
  return reader.done({
    rateLimit: perSecond > 0 ? { perSecond, burst } : undefined,
    closeAfterRefusals: reader.integer(
      'RATE_LIMIT_CLOSE_AFTER',
      defaults.rateLimit.closeAfterRefusals,
      0,
      10_000,
    ),
  });
}

/** Limits and thresholds of rooms (lambdas/core/presence.ts `RoomRules`). */
export interface RoomConfig {
  readonly maxRoomsPerConnection: number;
  readonly maxMembersPerRoom: number;
  /** 0: no limit. */
  readonly createdPerUserPerHour: number;
  readonly announceJoinsUpTo: number;
  readonly occupancyIntervalSeconds: number;
}

export function loadRoomConfig(env: Env = process.env): RoomConfig {
  const reader = new EnvReader(env);
  const rooms = defaults.rooms;
  return reader.done({
    maxRoomsPerConnection: reader.integer('ROOMS_PER_CONNECTION', rooms.maxRoomsPerConnection, 0, 10_000),
    maxMembersPerRoom: reader.integer('MEMBERS_PER_ROOM', rooms.maxMembersPerRoom, 0, 10_000_000),
    createdPerUserPerHour: reader.integer('ROOMS_CREATED_PER_HOUR', rooms.createdPerUserPerHour, 0, 100_000),
    announceJoinsUpTo: reader.integer('ANNOUNCE_JOINS_UP_TO', rooms.announceJoinsUpTo, 0, 10_000_000),
    occupancyIntervalSeconds: reader.integer(
      'OCCUPANCY_INTERVAL_SECONDS',
      rooms.occupancyIntervalSeconds,
      1,
      3600,
    ),
  });
}

/** Message history and catch-up (lambdas/core/history.ts `HistoryRules`) and the rooms' publish rate. */
export interface HistoryConfig {
  readonly retentionDays: number;
  readonly maxReplay: number;
  readonly holeTimeoutSeconds: number;
  readonly deleteOwnWindowSeconds: number;
  /** Undefined when ROOM_MESSAGES_PER_SECOND is 0 (no per-room rate). */
  readonly roomRate: RateLimit | undefined;
}

export function loadHistoryConfig(env: Env = process.env): HistoryConfig {
  const reader = new EnvReader(env);
  const history = defaults.history;
  const perSecond = reader.integer('ROOM_MESSAGES_PER_SECOND', history.roomRate.perSecond, 0, 1_000);
  const burst = reader.integer('ROOM_MESSAGES_BURST', history.roomRate.burst, 1, 10_000);
  return reader.done({
    retentionDays: reader.integer('HISTORY_RETENTION_DAYS', history.retentionDays, 0, 3650),
    maxReplay: reader.integer('MAX_REPLAY', history.maxReplay, 0, 10_000),
    holeTimeoutSeconds: reader.integer('HISTORY_HOLE_TIMEOUT_SECONDS', history.holeTimeoutSeconds, 1, 3600),
    deleteOwnWindowSeconds: reader.integer(
      'DELETE_OWN_WINDOW_SECONDS',
      history.deleteOwnWindowSeconds,
      0,
      31_536_000,
    ),
    roomRate: perSecond > 0 ? { perSecond, burst } : undefined,
  });
}

/** Where publications for the rooms' sequencers are queued (every function that publishes). */
export interface PublicationConfig {
  readonly publicationQueueUrl: string;
}

export function loadPublicationConfig(env: Env = process.env): PublicationConfig {
  const reader = new EnvReader(env);
  return reader.done({ publicationQueueUrl: queueUrl(reader, 'PUBLICATION_QUEUE_URL') });
}

/** How the sequencers and shard workers fan frames out. */
export interface FanoutConfig {
  readonly deliveryQueueUrl: string;
  /** @default 100 */
  readonly directLimit: number;
  /** @default 64 */
  readonly postConcurrency: number;
  /** @connections posts per second across all workers; 0 for no budget. @default 5000 */
  readonly postsPerSecond: number;
  /** @default 5000 */
  readonly postsBurst: number;
  /** @default 20 */
  readonly retryWindowSeconds: number;
}

export function loadFanoutConfig(env: Env = process.env): FanoutConfig {
  const reader = new EnvReader(env);
  const fanout = defaults.fanout;
  return reader.done({
    deliveryQueueUrl: queueUrl(reader, 'DELIVERY_QUEUE_URL'),
    directLimit: reader.integer('FANOUT_DIRECT_LIMIT', fanout.directLimit, 0, 10_000),
    postConcurrency: reader.integer('FANOUT_POST_CONCURRENCY', fanout.postConcurrency, 1, 1_000),
    postsPerSecond: reader.integer('POSTS_PER_SECOND', fanout.postsPerSecond, 0, 1_000_000),
    postsBurst: reader.integer('POSTS_BURST', fanout.postsBurst, 1, 1_000_000),
    retryWindowSeconds: reader.integer('FANOUT_RETRY_WINDOW_SECONDS', fanout.retryWindowSeconds, 1, 600),
  });
}

function queueUrl(reader: EnvReader, name: string): string {
  const url = reader.required(name);
  if (url && !/^https?:\/\//.test(url)) reader.problem(`${name} must be an http(s) URL, got "${url}"`);
  return url;
}

/** Limits applied when a connection opens. */
export interface ConnectPolicyConfig {
  /** Concurrent connections per user across all instances; 0 means no cap. @default 5 */
  readonly maxConnectionsPerUser: number;
  /**
   * At the cap, slot holders at least this old are probed (GET @connections) and freed if gone. Keep it
   * above API Gateway's 29 s integration timeout: a younger holder may still be inside its own $connect,
   * where a probe answers 410 although the connection is about to open. @default 30
   */
  readonly probeMinAgeSeconds: number;
}

export function loadConnectPolicyConfig(env: Env = process.env): ConnectPolicyConfig {
  const reader = new EnvReader(env);
  return reader.done({
    maxConnectionsPerUser: reader.integer(
      'MAX_CONNECTIONS_PER_USER',
      defaults.maxConnectionsPerUser,
      0,
      1000,
    ),
    probeMinAgeSeconds: reader.integer(
      'CONNECT_PROBE_MIN_AGE_SECONDS',
      defaults.connectProbeMinAgeSeconds,
      0,
      3600,
    ),
  });
}

/** When live connections are asked to re-authenticate, and when expired ones are closed. */
export interface SweepConfig {
  /** Seconds before token expiry at which `reauth_required` is sent. @default 120 */
  readonly reauthNoticeSeconds: number;
  /** Seconds after token expiry before the sweeper closes the connection. @default 30 */
  readonly reauthGraceSeconds: number;
}

export function loadSweepConfig(env: Env = process.env): SweepConfig {
  const reader = new EnvReader(env);
  return reader.done({
    reauthNoticeSeconds: reader.integer('REAUTH_NOTICE_SECONDS', defaults.reauthNoticeSeconds, 0, 86_400),
    reauthGraceSeconds: reader.integer('REAUTH_GRACE_SECONDS', defaults.reauthGraceSeconds, 0, 86_400),
  });
}

/** The Cognito app client the login and refresh functions call. */
export interface LoginConfig {
  readonly userPoolClientId: string;
}

export function loadLoginConfig(env: Env = process.env): LoginConfig {
  const reader = new EnvReader(env);
  return reader.done({ userPoolClientId: reader.required('COGNITO_CLIENT_ID') });
}

/**
 * Which browser origins may open WebSocket connections, checked by the `$connect` authorizer before
 * any credential is looked at (lambdas/core/origin-policy.ts).
 *
 * - `ALLOWED_ORIGINS`: comma-separated exact origins, `scheme://host[:port]`
 *   (`https://chat.example.com,http://localhost:5173`); `*` allows any. @default unset: any origin
 * - `ALLOW_MISSING_ORIGIN`: `true` or `false`; whether a handshake without `Origin` (a non-browser
 *   client) is allowed. @default true
 */
export function loadOriginConfig(env: Env = process.env): OriginPolicy {
  const reader = new EnvReader(env);
  const allowedOrigins = parseAllowedOrigins(reader.list('ALLOWED_ORIGINS'));
  if (!allowedOrigins.success) {
    for (const problem of allowedOrigins.error) reader.problem(`ALLOWED_ORIGINS: ${problem}`);
  }
  const allowMissingOrigin = reader.oneOf('ALLOW_MISSING_ORIGIN', ['true', 'false'] as const, 'true');
  return reader.done({
    allowedOrigins: allowedOrigins.success ? allowedOrigins.data : 'any',
    allowMissingOrigin: allowMissingOrigin === 'true',
  });
}

/** One-time connection tickets (`POST /ticket`, `?ticket=`, `reauth { ticket }`). */
export interface TicketConfig {
  /**
   * Where tickets are stored (`TABLE_NAME`) and the Secrets Manager secret holding the key that seals
   * them (`TICKET_KEY_SECRET_ARN`, an ARN or name; the key itself never travels in the environment).
   * Undefined when TABLE_NAME is unset, which only the authorizer allows: it then refuses every ticket as
   * `TicketsDisabled`. @default unset
   */
  readonly store: { readonly tableName: string; readonly keySecretId: string } | undefined;
  /**
   * `TICKET_TTL_SECONDS`: how long a ticket stays redeemable, 1 to 300; never longer than the token it
   * was issued for. @default 30
   */
  readonly ttlSeconds: number;
}

/** With `tableRequired` (the ticket and reauth functions), a missing TABLE_NAME is a problem, not "disabled". */
export function loadTicketConfig(
  env: Env,
  options: { readonly tableRequired: true },
): TicketConfig & { readonly store: NonNullable<TicketConfig['store']> };
export function loadTicketConfig(env?: Env, options?: { readonly tableRequired?: boolean }): TicketConfig;
export function loadTicketConfig(
  env: Env = process.env,
  options: { readonly tableRequired?: boolean } = {},
): TicketConfig {
  const reader = new EnvReader(env);
  const tableName = options.tableRequired ? reader.required('TABLE_NAME') : reader.optional('TABLE_NAME');
  const keySecretId = tableName === undefined ? undefined : reader.required('TICKET_KEY_SECRET_ARN');
  return reader.done({
    store: tableName === undefined || keySecretId === undefined ? undefined : { tableName, keySecretId },
    ttlSeconds: reader.integer('TICKET_TTL_SECONDS', defaults.ticketTtlSeconds, 1, 300),
  });
}

/**
 * The HttpOnly cookies `/login` and `/refresh` can set, and `/logout` clears. Only for deployments where
 * the HTTP API and the WebSocket API share a site: a browser attaches the token cookie to the handshake
 * only then. A cookie travels with every request the browser makes, whichever page started it, so cookie
 * mode requires `ALLOWED_ORIGINS`: the authorizer checks it on every handshake, and the credential
 * endpoints check a present `Origin` against it (a cross-site form cannot log a victim in).
 */
export interface TokenCookieConfig {
  /** `LOGIN_COOKIE`: `true` or `false`. @default false */
  readonly enabled: boolean;
  /**
   * `COOKIE_DOMAIN`: the cookie's `Domain` attribute, e.g. `example.com`. Without it the token cookie
   * is host-only and named `__Host-parley_token`, which no other host can set. @default unset: host-only
   */
  readonly domain?: string;
  /**
   * `TOKENS_IN_BODY`: `false` makes cookie mode cookie-only: responses carry no tokens (page scripts
   * never see one), the refresh token travels in its own HttpOnly cookie scoped to `/refresh` and
   * `/logout`, and `/ticket` accepts the token cookie. Needs `LOGIN_COOKIE=true`. @default true
   */
  readonly tokensInBody: boolean;
}

const cookieDomainPattern =
  /^\.?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function loadTokenCookieConfig(env: Env = process.env): TokenCookieConfig {
  const reader = new EnvReader(env);
  const enabled = reader.oneOf('LOGIN_COOKIE', ['true', 'false'] as const, 'false') === 'true';
  const domain = reader.optional('COOKIE_DOMAIN');
  if (domain !== undefined && !cookieDomainPattern.test(domain)) {
    reader.problem(`COOKIE_DOMAIN must be a host name such as "example.com", got "${domain}"`);
  }
  const tokensInBody = reader.oneOf('TOKENS_IN_BODY', ['true', 'false'] as const, 'true') === 'true';
  if (!tokensInBody && !enabled) {
    reader.problem(
      'TOKENS_IN_BODY=false needs LOGIN_COOKIE=true: otherwise no response would carry the tokens',
    );
  }
  return reader.done({ enabled, ...(domain ? { domain } : {}), tokensInBody });
}

/** Which handshake credentials the authorizer accepts besides tickets and the subprotocol. */
export interface CredentialSourceConfig {
  /**
   * `ALLOW_QUERY_TOKEN`: `true` or `false`; whether `?token=<JWT>` is accepted. URLs leak into logs
   * and browser history, so production deployments that use tickets or the subprotocol turn it off.
   * @default true (the tutorial's client uses it)
   */
  readonly allowQueryToken: boolean;
  /** Cookie mode: the authorizer reads the token cookie only then, under the name `/login` sets. */
  readonly cookie: TokenCookieConfig;
}

export function loadCredentialSourceConfig(env: Env = process.env): CredentialSourceConfig {
  const reader = new EnvReader(env);
  const allowQueryToken = reader.oneOf('ALLOW_QUERY_TOKEN', ['true', 'false'] as const, 'true') === 'true';
  let cookie: TokenCookieConfig | undefined;
  try {
    cookie = loadTokenCookieConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    for (const problem of error.problems) reader.problem(problem);
  }
  return reader.done({ allowQueryToken, cookie: cookie ?? { enabled: false, tokensInBody: true } });
}

/** Everything the `$connect` authorizer reads. */
export interface AuthorizerConfig {
  readonly auth: AuthConfig;
  readonly origins: OriginPolicy;
  readonly credentialSources: CredentialSourceConfig;
  /** Undefined when `TABLE_NAME` is unset: tickets are disabled. */
  readonly tickets: TicketConfig['store'];
}

/** The authorizer's sections, with the problems of all of them reported together. */
export function loadAuthorizerConfig(env: Env = process.env): AuthorizerConfig {
  const problems: string[] = [];
  const section = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  const auth = section(() => loadAuthConfig(env));
  const origins = section(() => loadOriginConfig(env));
  const tickets = section(() => loadTicketConfig(env));
  const credentialSources = section(() => loadCredentialSourceConfig(env));
  if (!auth || !origins || !tickets || !credentialSources) throw new ConfigurationError(problems);
  return { auth, origins, credentialSources, tickets: tickets.store };
}
