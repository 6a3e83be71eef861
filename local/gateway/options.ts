/**
 * Configuration of the API Gateway WebSocket emulator. Defaults are AWS's documented values (see
 * /work/shared/reference/apigateway-websocket.md §5); tests shrink the limits to exercise them quickly.
 */
import type { LocalFunction } from '../lambda/local-function.ts';
import type { LocalLogger } from '../logger.ts';

export interface GatewayLimits {
  /** Largest WebSocket frame a client may send; a larger one closes the connection with 1009. */
  readonly maxFrameBytes: number;
  /** Largest message (all frames of it) a client may send or a backend may post. */
  readonly maxMessageBytes: number;
  /** A connection with no inbound message for this long is closed (1001). */
  readonly idleTimeoutMs: number;
  /** A connection is closed (1001) this long after it opened, however active. */
  readonly maxConnectionDurationMs: number;
  /** Largest authorizer result (JSON) accepted; a larger one makes the handshake fail with 500. */
  readonly maxAuthorizerResultBytes: number;
  /**
   * The @connections requests per second and burst before 429 LimitExceededException (the account's
   * quota); `perSecond` 0 never throttles.
   */
  readonly callbackRate: { readonly perSecond: number; readonly burst: number };
}

export const awsLimits: GatewayLimits = {
  maxFrameBytes: 32 * 1024,
  maxMessageBytes: 128 * 1024,
  idleTimeoutMs: 10 * 60 * 1000,
  maxConnectionDurationMs: 2 * 60 * 60 * 1000,
  maxAuthorizerResultBytes: 8 * 1024,
  callbackRate: { perSecond: 10_000, burst: 5_000 },
};

/** What the API's routes run. Keys of `routes` are route keys: `$connect`, `$disconnect`, `$default` or an action. */
export interface GatewayIntegrations {
  /** The REQUEST authorizer on `$connect`; without one every handshake reaches `$connect` unauthenticated. */
  readonly authorizer?: LocalFunction;
  readonly routes: Readonly<Record<string, LocalFunction>>;
}

/** Handles an HTTP request that is neither a WebSocket upgrade nor an @connections call. */
export type HttpFallback = (
  request: import('node:http').IncomingMessage,
  response: import('node:http').ServerResponse,
) => Promise<void> | void;

export interface WebSocketGatewayProps {
  /**
   * TCP port; 0 picks a free one.
   * @default 0
   */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /**
   * The stage: the WebSocket URL is `ws://host:port/<stage>` and the callback URL `http://host:port/<stage>`.
   * @default 'local'
   */
  readonly stage?: string;
  /** @default 'local' */
  readonly apiId?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly accountId?: string;
  /**
   * The authorizer's identity sources; all must be present and non-empty or the handshake gets 401
   * without the authorizer being called.
   * @default ['route.request.querystring.token']
   */
  readonly identitySources?: readonly string[];
  /** @default '$request.body.action' */
  readonly routeSelectionExpression?: string;
  /** @default {} */
  readonly stageVariables?: Readonly<Record<string, string>>;
  /** @default awsLimits */
  readonly limits?: Partial<GatewayLimits>;
  /** May also be supplied later with `configure()`; until then handshakes get 503. */
  readonly integrations?: GatewayIntegrations;
  /** @default 404 for every other HTTP request */
  readonly fallback?: HttpFallback;
  /** @default silent */
  readonly logger?: LocalLogger;
}

/** Resolved settings shared by the gateway's parts. */
export interface GatewaySettings {
  readonly stage: string;
  readonly apiId: string;
  readonly region: string;
  readonly accountId: string;
  readonly identitySources: readonly string[];
  readonly routeSelectionExpression: string;
  readonly stageVariables: Readonly<Record<string, string>>;
  readonly limits: GatewayLimits;
  readonly logger: LocalLogger;
}
