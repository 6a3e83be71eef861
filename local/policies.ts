/**
 * Parley's configurable policies as local-stack options. The handlers read them from their environment
 * when imported (lambdas/config.ts), so each option is one environment variable the local stack sets
 * before importing them: `policyVariables` below is the whole mapping, one entry per option.
 */

export interface LocalPolicies {
  /**
   * Concurrent connections per user; 0 means no cap (MAX_CONNECTIONS_PER_USER).
   * @default the handlers' (5)
   */
  readonly maxConnectionsPerUser?: number;
  /**
   * The per-connection token bucket: `perSecond` messages per second, 0 turns the limit off
   * (RATE_LIMIT_PER_SECOND); `burst` messages an idle connection may send at once (RATE_LIMIT_BURST).
   * @default the handlers' (lambdas/defaults.ts); `burst` is 2 × `perSecond` when only that is given
   */
  readonly rateLimit?: {
    readonly perSecond?: number;
    readonly burst?: number;
    /** Refusals in a row after which a connection is closed (RATE_LIMIT_CLOSE_AFTER); 0 never. */
    readonly closeAfterRefusals?: number;
  };
  /**
   * Origins a browser handshake may come from, e.g. `http://localhost:5173` (ALLOWED_ORIGINS).
   * @default the handlers'
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * Whether handshakes without an `Origin` header (non-browser clients) are allowed (ALLOW_MISSING_ORIGIN).
   * @default the handlers'
   */
  readonly allowMissingOrigin?: boolean;
  /**
   * Room limits and thresholds (ROOMS_PER_CONNECTION, MEMBERS_PER_ROOM, ROOMS_CREATED_PER_HOUR,
   * ANNOUNCE_JOINS_UP_TO, OCCUPANCY_INTERVAL_SECONDS); each member left out keeps the handlers' default.
   */
  readonly rooms?: {
    readonly maxRoomsPerConnection?: number;
    readonly maxMembersPerRoom?: number;
    readonly createdPerUserPerHour?: number;
    readonly announceJoinsUpTo?: number;
    readonly occupancyIntervalSeconds?: number;
  };
  /**
   * Message history (HISTORY_RETENTION_DAYS, MAX_REPLAY, HISTORY_HOLE_TIMEOUT_SECONDS,
   * DELETE_OWN_WINDOW_SECONDS) and the rooms' publish rate (ROOM_MESSAGES_PER_SECOND, ROOM_MESSAGES_BURST).
   */
  readonly history?: {
    readonly retentionDays?: number;
    readonly maxReplay?: number;
    readonly holeTimeoutSeconds?: number;
    readonly deleteOwnWindowSeconds?: number;
    readonly roomRate?: { readonly perSecond?: number; readonly burst?: number };
  };
  /**
   * Fan-out (FANOUT_DIRECT_LIMIT, FANOUT_POST_CONCURRENCY, POSTS_PER_SECOND, POSTS_BURST,
   * FANOUT_RETRY_WINDOW_SECONDS); each member left out keeps the handlers' default.
   */
  readonly fanout?: {
    readonly directLimit?: number;
    readonly postConcurrency?: number;
    readonly postsPerSecond?: number;
    readonly postsBurst?: number;
    readonly retryWindowSeconds?: number;
  };
  /**
   * Whether /login and /refresh also set the HttpOnly `parley_token` cookie (LOGIN_COOKIE). Locally the
   * HTTP API and the WebSocket share host and port, the deployment the cookie is meant for.
   * @default true
   */
  readonly loginCookie?: boolean;
  /** Seconds before token expiry at which `reauth_required` is sent (REAUTH_NOTICE_SECONDS). @default the handlers' (120) */
  readonly reauthNoticeSeconds?: number;
  /** Seconds after token expiry before the sweeper closes a connection (REAUTH_GRACE_SECONDS). @default the handlers' (30) */
  readonly reauthGraceSeconds?: number;
  /**
   * Age at which a slot holder is probed when its user is at the cap (CONNECT_PROBE_MIN_AGE_SECONDS).
   * Tests shrink it; below the 29 s integration timeout a holder still inside its `$connect` can be evicted.
   * @default the handlers' (30)
   */
  readonly connectProbeMinAgeSeconds?: number;
  /** Lifetime of a one-time connection ticket from POST /ticket (TICKET_TTL_SECONDS). @default the handlers' */
  readonly ticketTtlSeconds?: number;
  /** Whether the authorizer accepts `?token=` (ALLOW_QUERY_TOKEN). @default the handlers' (true) */
  readonly allowQueryToken?: boolean;
  /**
   * `false`: cookie-only mode, no token in any response body, the refresh token in its own cookie
   * (TOKENS_IN_BODY). Needs `loginCookie`. @default the handlers' (true)
   */
  readonly tokensInBody?: boolean;
}

type PolicyValue = number | boolean | readonly string[];

/** The flat options: option → environment variable. */
type FlatPolicy = Exclude<keyof LocalPolicies, 'rateLimit' | 'rooms' | 'history' | 'fanout'>;

/** Option → environment variable (`rateLimit` maps its two members, see `rateLimitVariables`). */
export const policyVariables: Readonly<Record<FlatPolicy, string>> = {
  maxConnectionsPerUser: 'MAX_CONNECTIONS_PER_USER',
  allowedOrigins: 'ALLOWED_ORIGINS',
  allowMissingOrigin: 'ALLOW_MISSING_ORIGIN',
  loginCookie: 'LOGIN_COOKIE',
  reauthNoticeSeconds: 'REAUTH_NOTICE_SECONDS',
  reauthGraceSeconds: 'REAUTH_GRACE_SECONDS',
  connectProbeMinAgeSeconds: 'CONNECT_PROBE_MIN_AGE_SECONDS',
  ticketTtlSeconds: 'TICKET_TTL_SECONDS',
  allowQueryToken: 'ALLOW_QUERY_TOKEN',
  tokensInBody: 'TOKENS_IN_BODY',
};

export const rateLimitVariables = {
  perSecond: 'RATE_LIMIT_PER_SECOND',
  burst: 'RATE_LIMIT_BURST',
  closeAfterRefusals: 'RATE_LIMIT_CLOSE_AFTER',
} as const;

export const roomVariables = {
  maxRoomsPerConnection: 'ROOMS_PER_CONNECTION',
  maxMembersPerRoom: 'MEMBERS_PER_ROOM',
  createdPerUserPerHour: 'ROOMS_CREATED_PER_HOUR',
  announceJoinsUpTo: 'ANNOUNCE_JOINS_UP_TO',
  occupancyIntervalSeconds: 'OCCUPANCY_INTERVAL_SECONDS',
} as const;

export const historyVariables = {
  retentionDays: 'HISTORY_RETENTION_DAYS',
  maxReplay: 'MAX_REPLAY',
  holeTimeoutSeconds: 'HISTORY_HOLE_TIMEOUT_SECONDS',
  deleteOwnWindowSeconds: 'DELETE_OWN_WINDOW_SECONDS',
} as const;

export const roomRateVariables = {
  perSecond: 'ROOM_MESSAGES_PER_SECOND',
  burst: 'ROOM_MESSAGES_BURST',
} as const;

export const fanoutVariables = {
  directLimit: 'FANOUT_DIRECT_LIMIT',
  postConcurrency: 'FANOUT_POST_CONCURRENCY',
  postsPerSecond: 'POSTS_PER_SECOND',
  postsBurst: 'POSTS_BURST',
  retryWindowSeconds: 'FANOUT_RETRY_WINDOW_SECONDS',
} as const;

/** Policies the local stack sets even when not asked to. */
export const localPolicyDefaults: LocalPolicies = { loginCookie: true };

/**
 * The variables for `policies` (over the local defaults). Options left out are left out of the result,
 * so the handlers apply their own defaults. Values are not validated here: the handlers' configuration
 * loaders check them at import and list every problem, as on AWS.
 */
export function policyEnvironment(policies: LocalPolicies = {}): Record<string, string> {
  const effective: LocalPolicies = { ...localPolicyDefaults, ...policies };
  const environment: Record<string, string> = {};
  for (const [option, variable] of Object.entries(policyVariables)) {
    const value = effective[option as FlatPolicy] as PolicyValue | undefined;
    if (value !== undefined) environment[variable] = format(value);
  }
  const { perSecond, burst, closeAfterRefusals } = effective.rateLimit ?? {};
  if (closeAfterRefusals !== undefined)
    environment[rateLimitVariables.closeAfterRefusals] = String(closeAfterRefusals);
  if (perSecond !== undefined) environment[rateLimitVariables.perSecond] = String(perSecond);
  const effectiveBurst = burst ?? (perSecond !== undefined ? Math.max(1, 2 * perSecond) : undefined);
  if (effectiveBurst !== undefined) environment[rateLimitVariables.burst] = String(effectiveBurst);
  for (const [option, variable] of Object.entries(roomVariables)) {
    const value = effective.rooms?.[option as keyof typeof roomVariables];
    if (value !== undefined) environment[variable] = String(value);
  }
  for (const [option, variable] of Object.entries(historyVariables)) {
    const value = effective.history?.[option as keyof typeof historyVariables];
    if (value !== undefined) environment[variable] = String(value);
  }
  for (const [option, variable] of Object.entries(fanoutVariables)) {
    const value = effective.fanout?.[option as keyof typeof fanoutVariables];
    if (value !== undefined) environment[variable] = String(value);
  }
  for (const [option, variable] of Object.entries(roomRateVariables)) {
    const value = effective.history?.roomRate?.[option as keyof typeof roomRateVariables];
    if (value !== undefined) environment[variable] = String(value);
  }
  return environment;
}

function format(value: PolicyValue): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value.join(',');
}
