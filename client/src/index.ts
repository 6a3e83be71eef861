/**
 * Parley's client SDK: authenticated real-time rooms that survive reconnects, API Gateway's 2-hour
 * limit and token expiry. Runs in browsers and in Node 20+ (pass `WebSocket` from `ws`). The wire
 * types are the server's own (lambdas/core/wire.ts), re-exported here.
 *
 * ```ts
 * const client = new ParleyClient({ httpUrl, wsUrl, credentials: { username, password } });
 * await client.connect();
 * const room = await client.join('general');
 * room.on('message', (m) => console.log(m.username, m.content));
 * const ack = await room.send('hi'); // { id, seq, … }
 * ```
 */

export type { ErrorCode } from '../../lambdas/core/error-codes.ts';
export type * from '../../lambdas/core/wire.ts';
export { PROTOCOL_VERSION } from '../../lambdas/core/wire.ts';
export { type BackoffOptions, backoffDelay } from './backoff.ts';
export { type ClientEvents, type ConnectionState, ParleyClient, type RetryInfo } from './client.ts';
export type {
  FetchLike,
  PageEnvironment,
  PageEvent,
  Scheduler,
  WebSocketConstructor,
  WebSocketLike,
} from './environment.ts';
export {
  AuthenticationError,
  ClosedError,
  ConfigurationError,
  ConnectionLostError,
  NetworkError,
  ParleyError,
  RefusedError,
  RoomClosedError,
  type RoomClosedReason,
  ServerClosedError,
  TimeoutError,
} from './errors.ts';
export type { ParleyClientOptions } from './options.ts';
export type { ReplyFrames, RequestOf } from './replies.ts';
export { Room, type RoomEvents, type RoomState } from './room.ts';
