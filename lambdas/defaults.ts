/**
 * Every configurable default, once. The functions' configuration loaders (lambdas/config.ts), the CDK
 * stack's props (lib/parley-stack.ts) and the local stack's options (local/) all read them from here,
 * so a default cannot differ between AWS, the local stack and the documentation. Plain data: safe to
 * import anywhere.
 */
export const defaults = {
  /** Concurrent connections per user across all instances; 0 disables the cap. */
  maxConnectionsPerUser: 5,
  /**
   * At the cap, slot holders at least this old are probed and freed if gone. Above API Gateway's 29 s
   * integration timeout, so a holder still inside its own `$connect` is never evicted.
   */
  connectProbeMinAgeSeconds: 30,
  /** Lifetime of a one-time connection ticket from `POST /ticket`. */
  ticketTtlSeconds: 30,
  /** The per-connection token bucket every frame draws from. */
  rateLimit: { perSecond: 10, burst: 20 },
  /** Seconds before token expiry at which the sweeper sends `reauth_required`. */
  reauthNoticeSeconds: 120,
  /** Seconds after token expiry before the sweeper closes the connection. */
  reauthGraceSeconds: 30,
  /** Seconds a connection's rows live before DynamoDB TTL may remove them (above API Gateway's 2 h). */
  connectionTtlSeconds: 3 * 3600,
  /**
   * Days a refresh token stays valid: the Cognito app client's setting, the local identity provider's,
   * and the lifetime of the refresh-token cookie in cookie-only mode.
   */
  refreshTokenValidityDays: 30,
  /** The claim an OIDC issuer's tokens carry the user's global roles in (Cognito's is `cognito:groups`). */
  oidcGroupsClaim: 'groups',
} as const;
