/**
 * `new ParleyClient(options)`: the options, their defaults (one place), and the check that runs once
 * at construction and lists every problem, as the server's configuration loaders do.
 */
import { type BackoffOptions, DEFAULT_BACKOFF } from './backoff.ts';
import {
  browserEnvironment,
  type FetchLike,
  type PageEnvironment,
  type Scheduler,
  systemScheduler,
  type WebSocketConstructor,
} from './environment.ts';
import { ConfigurationError } from './errors.ts';

export interface ParleyClientOptions {
  /** The WebSocket URL, e.g. `wss://abc.execute-api.eu-west-1.amazonaws.com/prod`. */
  readonly wsUrl: string;
  /** The HTTP API, e.g. `https://xyz.execute-api.eu-west-1.amazonaws.com`; needed for credentials and tickets. */
  readonly httpUrl?: string;
  /** Logs in with these (`POST /login`), refreshes with the refresh token, logs in again when that is refused. */
  readonly credentials?: { readonly username: string; readonly password: string };
  /**
   * Instead of `credentials`: called whenever a token is needed (each connection and each refresh).
   * Throw {@link AuthenticationError} to stop the client; other errors are retried with backoff.
   */
  readonly getToken?: () => Promise<string>;
  /**
   * How the token reaches the handshake; never in the URL.
   * - `ticket`: `POST /ticket` for a one-time ticket, then `?ticket=`. Works with every browser, proxy
   *   and CDN, since it needs nothing but a URL; costs one request per connection.
   * - `subprotocol`: `Sec-WebSocket-Protocol: parley.v1, <token>`. No extra request, but some proxies
   *   and platforms mishandle subprotocols (sst#5618), and the token sits in a request header.
   * @default 'ticket' with `httpUrl`, else 'subprotocol'
   */
  readonly connectWith?: 'ticket' | 'subprotocol';
  /** The WebSocket implementation; in Node, `(await import('ws')).default`. @default globalThis.WebSocket */
  readonly WebSocket?: WebSocketConstructor;
  /** @default globalThis.fetch */
  readonly fetch?: FetchLike;
  /** Reconnect delays (full jitter). @default { minMs: 500, maxMs: 20000 } */
  readonly backoff?: BackoffOptions;
  /** Failed attempts in a row after which the client stops with the last error. @default Infinity */
  readonly maxRetries?: number;
  /** How long to wait for a reply, and for the welcome after opening a socket. @default 10000 */
  readonly timeoutMs?: number;
  /**
   * A `ping` after this long without sending anything: API Gateway closes connections idle for 10
   * minutes, and a ping that goes unanswered reveals a dead connection. @default 300000 (5 minutes)
   */
  readonly pingIntervalMs?: number;
  /**
   * Age at which the connection is replaced (API Gateway closes connections after 2 hours): the new
   * one is connected and its rooms rejoined before the old one closes. @default 6600000 (110 minutes)
   */
  readonly handoverAfterMs?: number;
  /** How long before the token expires it is refreshed (at most a quarter of its remaining life). @default 300000 */
  readonly refreshAheadMs?: number;
  /** How long a message after a gap is held before the gap is filled from history. @default 1000 */
  readonly gapWaitMs?: number;
  /** @default Date.now, setTimeout, clearTimeout */
  readonly scheduler?: Scheduler;
  /** @default Math.random */
  readonly random?: () => number;
  /** Online/offline and visibility events; `null` for none. @default the browser's, when there is one */
  readonly environment?: PageEnvironment | null;
}

export interface ResolvedOptions {
  readonly wsUrl: string;
  readonly httpUrl: string;
  readonly credentials?: { readonly username: string; readonly password: string };
  readonly getToken?: () => Promise<string>;
  readonly connectWith: 'ticket' | 'subprotocol';
  readonly WebSocket: WebSocketConstructor;
  readonly fetch: FetchLike;
  readonly backoff: Required<BackoffOptions>;
  readonly maxRetries: number;
  readonly timeoutMs: number;
  readonly pingIntervalMs: number;
  readonly handoverAfterMs: number;
  readonly refreshAheadMs: number;
  readonly gapWaitMs: number;
  readonly scheduler: Scheduler;
  readonly random: () => number;
  readonly environment?: PageEnvironment;
}

/** Applies the defaults; throws {@link ConfigurationError} listing every problem. */
export function resolveOptions(options: ParleyClientOptions): ResolvedOptions {
  const problems: string[] = [];
  const globals = globalThis as { WebSocket?: WebSocketConstructor; fetch?: FetchLike };
  const url = (name: string, value: unknown, scheme: string) => {
    if (typeof value !== 'string' || !new RegExp(`^${scheme}s?://.`).test(value)) {
      problems.push(`${name} must be a ${scheme}:// or ${scheme}s:// URL, got ${JSON.stringify(value)}`);
    }
    return String(value).replace(/\/+$/, '');
  };
  const duration = (name: string, value: number | undefined, fallback: number, min = 1) => {
    if (value === undefined) return fallback;
    if (!(value >= min)) problems.push(`${name} must be a number of milliseconds from ${min}, got ${value}`);
    return value;
  };
  const wsUrl = url('wsUrl', options.wsUrl, 'ws');
  const httpUrl = options.httpUrl === undefined ? '' : url('httpUrl', options.httpUrl, 'http');
  if (!options.credentials === !options.getToken)
    problems.push('give exactly one of credentials or getToken');
  const connectWith = options.connectWith ?? (httpUrl ? 'ticket' : 'subprotocol');
  if (!httpUrl && (options.credentials || connectWith === 'ticket')) {
    problems.push('httpUrl is needed to log in with credentials and to fetch tickets');
  }
  const WebSocket = options.WebSocket ?? globals.WebSocket;
  if (!WebSocket)
    problems.push("no global WebSocket here: pass one, e.g. WebSocket: (await import('ws')).default");
  const fetch = options.fetch ?? globals.fetch?.bind(globalThis);
  if (!fetch && httpUrl) problems.push('no global fetch here: pass one');
  const backoff = {
    minMs: duration('backoff.minMs', options.backoff?.minMs, DEFAULT_BACKOFF.minMs),
    maxMs: duration('backoff.maxMs', options.backoff?.maxMs, DEFAULT_BACKOFF.maxMs),
  };
  if (backoff.maxMs < backoff.minMs)
    problems.push(`backoff.maxMs must be at least backoff.minMs (${backoff.minMs}), got ${backoff.maxMs}`);
  const resolved = {
    wsUrl,
    httpUrl,
    credentials: options.credentials,
    getToken: options.getToken,
    connectWith,
    WebSocket: WebSocket as WebSocketConstructor,
    fetch: fetch as FetchLike,
    backoff,
    maxRetries: duration('maxRetries', options.maxRetries, Number.POSITIVE_INFINITY, 0),
    timeoutMs: duration('timeoutMs', options.timeoutMs, 10_000),
    pingIntervalMs: duration('pingIntervalMs', options.pingIntervalMs, 300_000),
    handoverAfterMs: duration('handoverAfterMs', options.handoverAfterMs, 6_600_000),
    refreshAheadMs: duration('refreshAheadMs', options.refreshAheadMs, 300_000, 0),
    gapWaitMs: duration('gapWaitMs', options.gapWaitMs, 1_000, 0),
    scheduler: options.scheduler ?? systemScheduler,
    random: options.random ?? Math.random,
    environment: options.environment === null ? undefined : (options.environment ?? browserEnvironment()),
  };
  if (problems.length > 0)
    throw new ConfigurationError(`invalid ParleyClient options: ${problems.join('; ')}`);
  return resolved;
}
