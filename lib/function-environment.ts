import { Token } from 'aws-cdk-lib';
import {
  loadAuthConfig,
  loadConnectPolicyConfig,
  loadCredentialSourceConfig,
  loadFanoutConfig,
  loadGatewayConfig,
  loadHistoryConfig,
  loadLoginConfig,
  loadOriginConfig,
  loadPublicationConfig,
  loadRoomConfig,
  loadSessionPolicyConfig,
  loadStoreConfig,
  loadSweepConfig,
  loadTicketConfig,
  loadTokenCookieConfig,
  tokenUseCheckOff,
} from '../lambdas/config.ts';
import { ConfigurationError } from '../lambdas/core/errors.ts';
import { defaults } from '../lambdas/defaults.ts';
import type { FunctionName } from '../lambdas/functions.ts';

/**
 * The CDK side of lambdas/config.ts: which environment variables each function receives. A function
 * gets exactly the sections its handler loads at cold start (lambdas/handlers/*.ts and wiring.ts), so
 * the environment doubles as a record of what each function depends on. Every variable name appears
 * once, in `sections` below, next to the loader that reads it.
 */

/** Which issuer's tokens the authorizer, `reauth` and `/ticket` trust. */
export type TokenIssuerSettings =
  | { readonly kind: 'cognito'; readonly userPoolId: string; readonly clientId: string }
  | {
      readonly kind: 'oidc';
      readonly issuer: string;
      readonly audience: readonly string[];
      readonly jwksUri?: string;
      /** `null`: the `token_use` check is explicitly off. */
      readonly tokenUse: string | null;
      readonly groupsClaim?: string;
    };

/** Everything the environments are built from, defaults already applied (see `ParleyStackProps`). */
export interface FunctionSettings {
  readonly tableName: string;
  /** The WebSocket stage's `https://` @connections endpoint. */
  readonly callbackUrl: string;
  readonly tokenIssuer: TokenIssuerSettings;
  /** The public Cognito app client that `/login`, `/refresh` and `/logout` call. */
  readonly cognitoClientId: string;
  /** Origins allowed to open a WebSocket; `undefined` allows any. */
  readonly allowedOrigins: readonly string[] | undefined;
  readonly allowMissingOrigin: boolean;
  readonly ticketTtlSeconds: number;
  /** The ARN of the secret holding the ticket key (never its value). */
  readonly ticketKeySecretArn: string;
  /** `undefined`: tokens travel in response bodies only. */
  readonly loginCookie: { readonly domain?: string; readonly tokensInBody?: boolean } | undefined;
  /** Whether the authorizer accepts `?token=`. */
  readonly allowQueryToken: boolean;
  readonly maxConnectionsPerUser: number;
  readonly rateLimit: {
    readonly perSecond: number;
    readonly burst: number;
    readonly closeAfterRefusals?: number;
  };
  readonly reauthNoticeSeconds: number;
  readonly reauthGraceSeconds: number;
  readonly rooms: RoomLimits;
  readonly history: HistorySettings;
  /** The fan-out's FIFO queues (lib/fanout-queues.ts). */
  readonly publicationQueueUrl: string;
  readonly deliveryQueueUrl: string;
  readonly fanout: FanoutSettings;
}

/** Fan-out settings (see lambdas/defaults.ts `fanout`). */
export type FanoutSettings = { readonly [K in keyof typeof defaults.fanout]: number };

/** History settings (see lambdas/defaults.ts `history`). */
export interface HistorySettings {
  readonly retentionDays: number;
  readonly maxReplay: number;
  readonly holeTimeoutSeconds: number;
  readonly deleteOwnWindowSeconds: number;
  readonly roomRate: { readonly perSecond: number; readonly burst: number };
}

/** Room limits and thresholds (see lambdas/defaults.ts `rooms`). */
export type RoomLimits = { readonly [K in keyof typeof defaults.rooms]: number };

/**
 * One configuration section: the variables it is given, and the loader of lambdas/config.ts that reads
 * them at cold start (run at synth too, see `validateFunctionSettings`).
 */
interface Section {
  readonly variables: (settings: FunctionSettings) => Record<string, string>;
  readonly load: (env: Readonly<Record<string, string>>) => unknown;
}

const sections = {
  /** CONNECTION_TTL_SECONDS keeps its default (3 h, above API Gateway's 2 h connection limit). */
  store: { variables: (s) => ({ TABLE_NAME: s.tableName }), load: loadStoreConfig },
  gateway: { variables: (s) => ({ CALLBACK_URL: s.callbackUrl }), load: loadGatewayConfig },
  tokenIssuer: {
    variables: ({ tokenIssuer: issuer }): Record<string, string> =>
      issuer.kind === 'cognito'
        ? {
            AUTH_MODE: 'cognito',
            COGNITO_USER_POOL_ID: issuer.userPoolId,
            COGNITO_CLIENT_ID: issuer.clientId,
          }
        : {
            AUTH_MODE: 'oidc',
            OIDC_ISSUER: issuer.issuer,
            OIDC_AUDIENCE: issuer.audience.join(','),
            ...(issuer.jwksUri ? { OIDC_JWKS_URI: issuer.jwksUri } : {}),
            OIDC_TOKEN_USE: issuer.tokenUse ?? tokenUseCheckOff,
            ...(issuer.groupsClaim ? { OIDC_GROUPS_CLAIM: issuer.groupsClaim } : {}),
          },
    load: loadAuthConfig,
  },
  /** The public app client (no IAM: it has no secret). */
  cognitoClient: { variables: (s) => ({ COGNITO_CLIENT_ID: s.cognitoClientId }), load: loadLoginConfig },
  /** Cookie mode: which cookies the credential endpoints set, and which one the authorizer reads. */
  tokenCookie: {
    variables: (s) => ({
      LOGIN_COOKIE: String(s.loginCookie !== undefined),
      ...(s.loginCookie?.domain ? { COOKIE_DOMAIN: s.loginCookie.domain } : {}),
      ...(s.loginCookie?.tokensInBody === false ? { TOKENS_IN_BODY: 'false' } : {}),
    }),
    load: loadTokenCookieConfig,
  },
  /** Whether the authorizer accepts `?token=` (its other sources are always on, the cookie in cookie mode). */
  queryToken: {
    variables: (s) => ({ ALLOW_QUERY_TOKEN: String(s.allowQueryToken) }),
    load: loadCredentialSourceConfig,
  },
  /** The authorizer's handshake `Origin` check; no ALLOWED_ORIGINS means any origin. */
  origins: {
    variables: (s) => ({
      ...(s.allowedOrigins ? { ALLOWED_ORIGINS: s.allowedOrigins.join(',') } : {}),
      ALLOW_MISSING_ORIGIN: String(s.allowMissingOrigin),
    }),
    load: loadOriginConfig,
  },
  /** One-time connection tickets: issued by `/ticket`, spent by the authorizer and `reauth`. */
  tickets: {
    variables: (s) => ({
      TABLE_NAME: s.tableName,
      TICKET_KEY_SECRET_ARN: s.ticketKeySecretArn,
      TICKET_TTL_SECONDS: String(s.ticketTtlSeconds),
    }),
    load: loadTicketConfig,
  },
  /** CONNECT_PROBE_MIN_AGE_SECONDS keeps its default (above API Gateway's 29 s integration timeout). */
  connectPolicy: {
    variables: (s) => ({ MAX_CONNECTIONS_PER_USER: String(s.maxConnectionsPerUser) }),
    load: loadConnectPolicyConfig,
  },
  /** The per-connection message rate of the routes that handle client frames. */
  messageRate: {
    variables: (s) => ({
      RATE_LIMIT_PER_SECOND: String(s.rateLimit.perSecond),
      RATE_LIMIT_BURST: String(s.rateLimit.burst),
      RATE_LIMIT_CLOSE_AFTER: String(s.rateLimit.closeAfterRefusals ?? defaults.rateLimit.closeAfterRefusals),
    }),
    load: loadSessionPolicyConfig,
  },
  /** Limits and thresholds of rooms, read by every function that joins, leaves or announces. */
  rooms: {
    variables: ({ rooms }) => ({
      ROOMS_PER_CONNECTION: String(rooms.maxRoomsPerConnection),
      MEMBERS_PER_ROOM: String(rooms.maxMembersPerRoom),
      ROOMS_CREATED_PER_HOUR: String(rooms.createdPerUserPerHour),
      ANNOUNCE_JOINS_UP_TO: String(rooms.announceJoinsUpTo),
      OCCUPANCY_INTERVAL_SECONDS: String(rooms.occupancyIntervalSeconds),
    }),
    load: loadRoomConfig,
  },
  /** Message history, catch-up and the rooms' publish rate. */
  history: {
    variables: ({ history }) => ({
      HISTORY_RETENTION_DAYS: String(history.retentionDays),
      MAX_REPLAY: String(history.maxReplay),
      HISTORY_HOLE_TIMEOUT_SECONDS: String(history.holeTimeoutSeconds),
      DELETE_OWN_WINDOW_SECONDS: String(history.deleteOwnWindowSeconds),
      ROOM_MESSAGES_PER_SECOND: String(history.roomRate.perSecond),
      ROOM_MESSAGES_BURST: String(history.roomRate.burst),
    }),
    load: loadHistoryConfig,
  },
  /** Where every function that publishes to a room queues its publications. */
  publications: {
    variables: (s) => ({ PUBLICATION_QUEUE_URL: s.publicationQueueUrl }),
    load: loadPublicationConfig,
  },
  /** The sequencer's and shard workers' fan-out: the delivery queue, the direct limit and the post budget. */
  fanout: {
    variables: ({ deliveryQueueUrl, fanout }) => ({
      DELIVERY_QUEUE_URL: deliveryQueueUrl,
      FANOUT_DIRECT_LIMIT: String(fanout.directLimit),
      FANOUT_POST_CONCURRENCY: String(fanout.postConcurrency),
      POSTS_PER_SECOND: String(fanout.postsPerSecond),
      POSTS_BURST: String(fanout.postsBurst),
      FANOUT_RETRY_WINDOW_SECONDS: String(fanout.retryWindowSeconds),
    }),
    load: loadFanoutConfig,
  },
  sweep: {
    variables: (s) => ({
      REAUTH_NOTICE_SECONDS: String(s.reauthNoticeSeconds),
      REAUTH_GRACE_SECONDS: String(s.reauthGraceSeconds),
    }),
    load: loadSweepConfig,
  },
} as const satisfies Record<string, Section>;

export type EnvironmentSection = keyof typeof sections;

/** Rooms and connections: the shared handler wiring (lambdas/handlers/wiring.ts) loads both. */
const session = [
  'store',
  'gateway',
  'rooms',
  'history',
  'publications',
] as const satisfies readonly EnvironmentSection[];
const messageRoute = [...session, 'messageRate'] as const satisfies readonly EnvironmentSection[];

/** What every credential endpoint loads: the client, the cookies, and the allow-list a present Origin must pass. */
const credentialEndpoint = [
  'cognitoClient',
  'tokenCookie',
  'origins',
] as const satisfies readonly EnvironmentSection[];

/** The sections each function's handler loads. */
export const functionEnvironmentSections: Readonly<Record<FunctionName, readonly EnvironmentSection[]>> = {
  authorizer: ['tokenIssuer', 'origins', 'tickets', 'tokenCookie', 'queryToken'],
  connect: [...session, 'connectPolicy'],
  disconnect: session,
  default: messageRoute,
  joinRoom: messageRoute,
  leaveRoom: messageRoute,
  sendMessage: messageRoute,
  rooms: messageRoute,
  moderation: messageRoute,
  presence: messageRoute,
  history: messageRoute,
  reauth: [...messageRoute, 'tokenIssuer', 'tickets'],
  connectionEvents: session,
  sequencer: [...session, 'fanout'],
  shardDelivery: [...session, 'fanout'],
  sweeper: [...session, 'sweep'],
  // TABLE_NAME: the failed-login records.
  login: [...credentialEndpoint, 'store'],
  password: credentialEndpoint,
  refresh: credentialEndpoint,
  // Logging out everywhere closes the user's connections.
  logout: [...credentialEndpoint, ...session],
  ticket: ['tokenIssuer', 'tickets', 'tokenCookie', 'origins'],
};

/** The environment variables of one function (on top of `NODE_OPTIONS`, which every function gets). */
export function functionEnvironment(name: FunctionName, settings: FunctionSettings): Record<string, string> {
  return Object.assign(
    {},
    ...functionEnvironmentSections[name].map((section) => sections[section].variables(settings)),
  );
}

/**
 * Runs every section's own loader (lambdas/config.ts) over the variables the stack is about to deploy,
 * so a prop the functions would refuse fails `cdk synth` with every problem listed, instead of failing
 * each cold start. Deploy-time references (table name, URLs, ids) are opaque tokens here and pass.
 */
export function validateFunctionSettings(settings: FunctionSettings): void {
  const problems: string[] = [];
  if (settings.allowedOrigins?.length === 0) {
    problems.push('allowedOrigins must list at least one origin; omit it to allow any origin');
  }
  // A queue URL is a deploy-time reference as a whole (not a template with one inside, as the callback
  // URL is), so it stands in for itself with a URL of the same shape.
  const checked: FunctionSettings = {
    ...settings,
    publicationQueueUrl: resolvedOr(settings.publicationQueueUrl, exampleQueueUrl),
    deliveryQueueUrl: resolvedOr(settings.deliveryQueueUrl, exampleQueueUrl),
  };
  if (settings.loginCookie && !settings.allowedOrigins) {
    problems.push(
      'loginCookie needs allowedOrigins: browsers attach the cookie to handshakes and logins that any site starts, and only the Origin allow-list stops another site from using it (cross-site WebSocket hijacking, login CSRF)',
    );
  }
  const issuer = settings.tokenIssuer;
  if (issuer.kind === 'oidc') {
    const jwksUri = issuer.jwksUri ?? `${issuer.issuer.replace(/\/$/, '')}/.well-known/jwks.json`;
    if (!jwksUri.startsWith('https://')) {
      problems.push(
        `oidcIssuer's JWKS URI must be https:// (keys fetched in clear text could be swapped in transit), got "${jwksUri}"`,
      );
    }
  }
  for (const section of Object.values(sections)) {
    try {
      section.load(section.variables(checked));
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `Parley stack props give the functions an invalid configuration (variables: lib/function-environment.ts):\n- ${problems.join('\n- ')}`,
    );
  }
}

const exampleQueueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/example.fifo';

function resolvedOr(value: string, stand: string): string {
  return Token.isUnresolved(value) ? stand : value;
}
