import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { defaults } from '../lambdas/defaults.ts';
import { connectionEventsStreamFilter, type FunctionName, functions } from '../lambdas/functions.ts';
import { Accounts } from './accounts.ts';
import { ApiGatewayLoggingRole } from './api-gateway-logging-role.ts';
import { Data } from './data.ts';
import { FanoutQueues } from './fanout-queues.ts';
import {
  type FanoutSettings,
  type FunctionSettings,
  functionEnvironment,
  type RoomLimits,
  validateFunctionSettings,
} from './function-environment.ts';
import { grantFunctionPermissions } from './function-permissions.ts';
import { ParleyHttpApi } from './http-api.ts';
import { ParleyFunction } from './parley-function.ts';
import { RealtimeApi } from './realtime-api.ts';
import { Schedules } from './schedules.ts';
import { TicketKey } from './ticket-key.ts';

/** A non-Cognito OpenID Connect issuer for the `$connect` authorizer to trust. */
export interface OidcIssuer {
  /** The `iss` claim, e.g. `https://auth.example.com`. */
  readonly issuer: string;
  /** Accepted `aud` values. */
  readonly audience: readonly string[];
  /**
   * Where the issuer publishes its signing keys.
   * @default `${issuer}/.well-known/jwks.json`
   */
  readonly jwksUri?: string;
  /**
   * The value a token's `token_use` claim must have (e.g. `access`), so the issuer's ID tokens cannot
   * open connections. Required: `null` turns the check off, for issuers whose tokens carry no
   * `token_use`, and says so in the code.
   */
  readonly tokenUse: string | null;
  /**
   * The claim holding the user's global roles (`admin`, `moderator`): an array of strings. Only this
   * claim is read, so a claim users can set themselves never grants a role.
   * @default 'groups'
   */
  readonly groupsClaim?: string;
}

/** The HttpOnly cookies `/login` and `/refresh` set. */
export interface LoginCookieOptions {
  /**
   * The cookie's `Domain`: a parent of both API host names, so the WebSocket handshake receives it.
   * @default - host-only (`__Host-parley_token`): sent back only to the HTTP API's own host name
   */
  readonly domain?: string;
  /**
   * `false` makes cookie mode cookie-only: `/login`, `/refresh` and `/password` answer without tokens,
   * the refresh token is an HttpOnly cookie of its own (scoped to `/refresh` and `/logout`), `/ticket`
   * accepts the token cookie, and live connections are extended with `reauth { ticket }`. Page scripts
   * never see a token. The default keeps tokens in the bodies too, for the tutorial's client.
   * @default true
   */
  readonly tokensInBody?: boolean;
}

/** A per-connection token bucket, which every frame draws from, valid or not. */
export interface MessageRateLimit {
  /** Messages per second a connection may keep up; 0 disables the limit. */
  readonly perSecond: number;
  /** Messages a connection may send at once after being quiet. */
  readonly burst: number;
  /**
   * Refusals in a row after which the connection is closed (`closing TOO_MANY_REFUSALS`); 0 never closes.
   * @default 20
   */
  readonly closeAfterRefusals?: number;
}

export interface ParleyStackProps extends StackProps {
  /**
   * Applies to everything holding state or evidence: the table, the user pool and every log group.
   * Use `DESTROY` for throwaway development stacks only.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The WebSocket stage name, the last segment of the `wss://` URL.
   * @default 'prod'
   */
  readonly stageName?: string;
  /**
   * Throttle for the WebSocket stage (all routes).
   * @default { rateLimit: 500, burstLimit: 1000 }
   */
  readonly webSocketThrottle?: ThrottleSettings;
  /**
   * Throttle for the HTTP API (login and refresh).
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly httpThrottle?: ThrottleSettings;
  /**
   * Browser origins allowed to call the HTTP API (`/login`, `/refresh`, `/ticket`, `/logout`) cross-origin.
   * @default - no CORS
   */
  readonly corsAllowedOrigins?: readonly string[];
  /**
   * Origins (`scheme://host[:port]`) whose pages may open a WebSocket; a handshake from any other
   * `Origin` gets 403. Browsers always send `Origin`, so this is what stops another site's page from
   * connecting with a visitor's cookie.
   * @default - any origin
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * Accept handshakes without an `Origin` header: non-browser clients (services, CLIs, mobile apps).
   * @default true
   */
  readonly allowMissingOrigin?: boolean;
  /**
   * Seconds a one-time connection ticket from `POST /ticket` stays valid.
   * @default 30
   */
  readonly ticketTtlSeconds?: number;
  /**
   * Accept `?token=<JWT>` on the WebSocket URL, the tutorial's way in. URLs end up in proxy and CDN
   * logs, browser history and console errors; turn it off in production when clients use tickets or
   * the subprotocol.
   * @default true
   */
  readonly allowQueryToken?: boolean;
  /**
   * Let `/login` and `/refresh` also set the token as an HttpOnly, Secure, SameSite cookie that the
   * `$connect` authorizer accepts. Browsers send it to the WebSocket handshake only when both APIs are
   * reached under one site: API Gateway cannot map a WebSocket API and an HTTP API to the same custom
   * domain, so map them to sibling names (`api.example.com`, `ws.example.com`) and set `domain` to the
   * parent (`example.com`), or put both behind one CloudFront distribution. Requires `allowedOrigins`
   * (synth fails without it): the handshake and the credential endpoints check `Origin` against it.
   * @default - off: tokens travel in response bodies only
   */
  readonly loginCookie?: LoginCookieOptions;
  /**
   * Concurrent connections per user, enforced at `$connect` across all instances; 0 disables the cap.
   * @default 5
   */
  readonly maxConnectionsPerUser?: number;
  /**
   * Per-connection message rate (token bucket) of every message route; `perSecond: 0` disables it.
   * @default { perSecond: 10, burst: 20, closeAfterRefusals: 20 }
   */
  readonly rateLimit?: MessageRateLimit;
  /**
   * Seconds before a connection's token expires at which the sweeper sends `reauth_required`.
   * @default 120
   */
  readonly reauthNoticeSeconds?: number;
  /**
   * Seconds after a connection's token expired before the sweeper closes it.
   * @default 30
   */
  readonly reauthGraceSeconds?: number;
  /**
   * Room limits and thresholds; each member left out keeps its default: `maxRoomsPerConnection` (50,
   * ROOM_LIMIT beyond), `maxMembersPerRoom` (10,000 users, ROOM_FULL beyond), `createdPerUserPerHour`
   * (20, RATE_LIMITED beyond; 0 for no limit), `announceJoinsUpTo` (100: bigger rooms get `occupancy`
   * instead of each `joined`/`left`) and `occupancyIntervalSeconds` (3).
   * @default the values in lambdas/defaults.ts
   */
  readonly rooms?: Partial<RoomLimits>;
  /**
   * Days messages are kept for `history` and catch-up; 0 keeps none (sequence numbers still run).
   * @default 7
   */
  readonly historyRetentionDays?: number;
  /**
   * Messages a join with `since` replays at most; beyond that the client pages with `history`.
   * @default 500
   */
  readonly maxReplay?: number;
  /**
   * Messages per second one room takes, and its burst; faster sends get ROOM_BUSY. One room's counter
   * and history each live in one DynamoDB partition (1,000 writes per second).
   * @default { perSecond: 50, burst: 100 }
   */
  readonly roomMessageRate?: { readonly perSecond: number; readonly burst: number };
  /**
   * Seconds a sender may delete their own message for (moderators any time).
   * @default 900
   */
  readonly deleteOwnMessageWindowSeconds?: number;
  /**
   * How room frames reach members; each member left out keeps its default: `directLimit` (100: rooms of
   * up to this many members are posted to by their sequencer, larger ones through 32 member shards in
   * parallel), `postConcurrency` (64 posts in flight per worker), `postsPerSecond` and `postsBurst`
   * (5,000 each: the @connections budget across all workers, half the account's default quota),
   * `retryWindowSeconds` (20: how long a worker retries failing posts before it gives its batch back)
   * and `deliveryConcurrency` (50 shard workers at once).
   * @default the values in lambdas/defaults.ts
   */
  readonly fanout?: Partial<FanoutSettings>;
  /**
   * Trust this issuer's tokens on `$connect` instead of the stack's Cognito user pool. The pool and the
   * login endpoints are still deployed.
   * @default - the stack's Cognito user pool and app client
   */
  readonly oidcIssuer?: OidcIssuer;
  /**
   * Retention of the Lambda and access log groups.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Create the account-and-Region-wide role API Gateway needs to write WebSocket access logs
   * (`AWS::ApiGateway::Account`). Leave it off when the account already has one: there is only one,
   * and this stack would overwrite it. Without any such role, deploying the stage fails.
   * @default false
   */
  readonly createApiGatewayLoggingRole?: boolean;
}

/** Parley: authenticated real-time chat rooms. Wiring only; each part lives in its own construct. */
export class ParleyStack extends Stack {
  constructor(scope: Construct, id: string, props: ParleyStackProps = {}) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    const data = new Data(this, 'Data', { removalPolicy });
    const accounts = new Accounts(this, 'Accounts', { removalPolicy });
    const ticketKey = new TicketKey(this, 'TicketKey');

    const handlers = Object.fromEntries(
      (Object.keys(functions) as FunctionName[]).map((name) => [
        name,
        new ParleyFunction(this, `${name}Function`, {
          name,
          logRetention: props.logRetention,
          logRemovalPolicy: removalPolicy,
        }),
      ]),
    ) as Record<FunctionName, ParleyFunction>;

    const realtime = new RealtimeApi(this, 'Realtime', {
      functions: handlers,
      stageName: props.stageName,
      throttle: props.webSocketThrottle,
      accessLogRetention: props.logRetention,
      accessLogRemovalPolicy: removalPolicy,
    });
    if (props.createApiGatewayLoggingRole) {
      realtime.stage.node.addDependency(new ApiGatewayLoggingRole(this, 'ApiGatewayLoggingRole').account);
    }

    const http = new ParleyHttpApi(this, 'Http', {
      functions: handlers,
      corsAllowedOrigins: props.corsAllowedOrigins,
      corsAllowCredentials: props.loginCookie !== undefined,
      throttle: props.httpThrottle,
      accessLogRetention: props.logRetention,
      accessLogRemovalPolicy: removalPolicy,
    });

    new Schedules(this, 'Schedules', { functions: handlers });

    const fanout = { ...defaults.fanout, ...props.fanout };
    const fanoutQueues = new FanoutQueues(this, 'Fanout', {
      functions: handlers,
      deliveryConcurrency: fanout.deliveryConcurrency,
      removalPolicy,
    });

    const settings: FunctionSettings = {
      tableName: data.table.tableName,
      callbackUrl: realtime.stage.callbackUrl,
      tokenIssuer: props.oidcIssuer
        ? { kind: 'oidc', ...props.oidcIssuer }
        : {
            kind: 'cognito',
            userPoolId: accounts.userPool.userPoolId,
            clientId: accounts.client.userPoolClientId,
          },
      cognitoClientId: accounts.client.userPoolClientId,
      allowedOrigins: props.allowedOrigins,
      allowMissingOrigin: props.allowMissingOrigin ?? true,
      ticketTtlSeconds: props.ticketTtlSeconds ?? defaults.ticketTtlSeconds,
      ticketKeySecretArn: ticketKey.secret.secretArn,
      loginCookie: props.loginCookie,
      allowQueryToken: props.allowQueryToken ?? true,
      maxConnectionsPerUser: props.maxConnectionsPerUser ?? defaults.maxConnectionsPerUser,
      rateLimit: props.rateLimit ?? defaults.rateLimit,
      reauthNoticeSeconds: props.reauthNoticeSeconds ?? defaults.reauthNoticeSeconds,
      reauthGraceSeconds: props.reauthGraceSeconds ?? defaults.reauthGraceSeconds,
      rooms: { ...defaults.rooms, ...props.rooms },
      history: {
        ...defaults.history,
        retentionDays: props.historyRetentionDays ?? defaults.history.retentionDays,
        maxReplay: props.maxReplay ?? defaults.history.maxReplay,
        deleteOwnWindowSeconds:
          props.deleteOwnMessageWindowSeconds ?? defaults.history.deleteOwnWindowSeconds,
        roomRate: props.roomMessageRate ?? defaults.history.roomRate,
      },
      publicationQueueUrl: fanoutQueues.queues.publications.queueUrl,
      deliveryQueueUrl: fanoutQueues.queues.deliveries.queueUrl,
      fanout,
    };
    validateFunctionSettings(settings);

    for (const [name, fn] of Object.entries(handlers) as [FunctionName, ParleyFunction][]) {
      for (const [key, value] of Object.entries(functionEnvironment(name, settings))) {
        fn.addEnvironment(key, value);
      }
      grantFunctionPermissions(name, fn, {
        table: data.table,
        stage: realtime.stage,
        queues: fanoutQueues.queues,
        ticketKey: ticketKey.secret,
      });
    }

    // Only new connection items reach connectionEvents; Lambda drops every other record before invoking.
    // No batching window: a client is waiting for its welcome frame. A record still failing after the
    // retries is dropped (no on-failure destination): a late welcome is worth nothing.
    handlers.connectionEvents.addEventSource(
      new DynamoEventSource(data.table, {
        startingPosition: StartingPosition.LATEST,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(0),
        retryAttempts: 3,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        filters: [FilterCriteria.filter(connectionEventsStreamFilter)],
      }),
    );

    new CfnOutput(this, 'WebSocketUrl', { value: realtime.stage.url });
    new CfnOutput(this, 'HttpApiUrl', { value: http.stage.url });
    new CfnOutput(this, 'UserPoolId', { value: accounts.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: accounts.client.userPoolClientId });
    new CfnOutput(this, 'TableName', { value: data.table.tableName });
  }
}
