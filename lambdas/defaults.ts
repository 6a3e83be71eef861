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
  /**
   * The per-connection token bucket every frame draws from, valid or not; a connection refused
   * `closeAfterRefusals` times in a row is closed.
   */
  rateLimit: { perSecond: 10, burst: 20, closeAfterRefusals: 20 },
  /** Seconds before token expiry at which the sweeper sends `reauth_required`. */
  reauthNoticeSeconds: 120,
  /** Seconds after token expiry before the sweeper closes the connection. */
  reauthGraceSeconds: 30,
  /** Limits and thresholds of rooms. */
  rooms: {
    /** Rooms one connection may be in at once (ROOM_LIMIT beyond). */
    maxRoomsPerConnection: 50,
    /** Users one room may hold (ROOM_FULL beyond). */
    maxMembersPerRoom: 10_000,
    /** Rooms one user may create per hour, `joinRoom` of an unknown name included (RATE_LIMITED beyond). */
    createdPerUserPerHour: 20,
    /** Rooms with more users than this announce `occupancy` instead of each `joined` and `left`. */
    announceJoinsUpTo: 100,
    /** Seconds between two `occupancy` frames of one room, at most one per interval. */
    occupancyIntervalSeconds: 3,
  },
  /** Message history and catch-up. */
  history: {
    /** Days messages are kept; 0 keeps none (sequence numbers still run). */
    retentionDays: 7,
    /** Messages a join with `since` replays at most; the client pages on with `history`. */
    maxReplay: 500,
    /** Seconds after which a number no message was stored under is filled with a tombstone. */
    holeTimeoutSeconds: 60,
    /** Seconds a sender may delete their own message for. */
    deleteOwnWindowSeconds: 900,
    /**
     * Messages per second one room takes, and its burst (ROOM_BUSY beyond): well below the 1,000 writes
     * per second one DynamoDB partition holds, which a room's counter and history each live in.
     */
    roomRate: { perSecond: 50, burst: 100 },
  },
  /** Fan-out of room frames to members (lambdas/core/room-fanout.ts). */
  fanout: {
    /**
     * Rooms with at most this many members are posted to by their sequencer; larger rooms go through
     * the member shards, in parallel. The sequencer of a direct room posts each frame to every member
     * before its next batch, so this also bounds a room's direct throughput.
     */
    directLimit: 100,
    /** Posts one worker (sequencer or shard worker) has in flight at once. */
    postConcurrency: 64,
    /**
     * The @connections budget across all workers, in posts per second, and its burst. API Gateway's
     * quota is 10,000 requests per second per account and Region, shared with every API: half of it
     * is left for the rest.
     */
    postsPerSecond: 5_000,
    postsBurst: 5_000,
    /** Seconds a worker keeps retrying failing posts before it gives its batch back to the queue. */
    retryWindowSeconds: 20,
    /** Shard workers running at once, across all rooms (the delivery queue's event source maximum concurrency). */
    deliveryConcurrency: 50,
  },
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
