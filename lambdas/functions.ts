/**
 * The catalogue of Parley's functions: which entry file serves which WebSocket route, HTTP route or
 * stream. The CDK stack deploys from it and the local stack serves from it, so a route cannot exist in
 * one and not the other. Plain data: no CDK or SDK imports.
 */
import { keys, tableLayout } from './adapters/table-layout.ts';

export type FunctionName =
  | 'authorizer'
  | 'connect'
  | 'disconnect'
  | 'default'
  | 'joinRoom'
  | 'leaveRoom'
  | 'sendMessage'
  | 'rooms'
  | 'moderation'
  | 'presence'
  | 'history'
  | 'connectionEvents'
  | 'sequencer'
  | 'shardDelivery'
  | 'reauth'
  | 'sweeper'
  | 'login'
  | 'password'
  | 'refresh'
  | 'ticket'
  | 'logout';

export interface FunctionDefinition {
  /** Entry file, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
}

export const functions: Readonly<Record<FunctionName, FunctionDefinition>> = {
  authorizer: { entry: 'lambdas/handlers/authorizer.ts', description: 'Verifies the token on $connect' },
  connect: { entry: 'lambdas/handlers/connect.ts', description: 'Records a new connection' },
  disconnect: {
    entry: 'lambdas/handlers/disconnect.ts',
    description: 'Removes a connection and its memberships',
  },
  default: {
    entry: 'lambdas/handlers/default.ts',
    description: 'Echoes text; answers pings and unknown actions',
  },
  joinRoom: { entry: 'lambdas/handlers/join-room.ts', description: 'Adds the connection to a room' },
  leaveRoom: { entry: 'lambdas/handlers/leave-room.ts', description: 'Removes the connection from a room' },
  sendMessage: { entry: 'lambdas/handlers/send-message.ts', description: 'Broadcasts a message to a room' },
  rooms: { entry: 'lambdas/handlers/rooms.ts', description: 'Creates, changes, deletes and lists rooms' },
  moderation: {
    entry: 'lambdas/handlers/moderation.ts',
    description: 'Invitations, kicks, bans and room roles',
  },
  presence: { entry: 'lambdas/handlers/presence.ts', description: 'Says who is in a room' },
  history: {
    entry: 'lambdas/handlers/history.ts',
    description: 'Pages through a room’s history and deletes messages',
  },
  connectionEvents: {
    entry: 'lambdas/handlers/connection-events.ts',
    description: 'Reacts to stored connections (welcome frame) from the table stream',
  },
  sequencer: {
    entry: 'lambdas/handlers/sequencer.ts',
    description: 'Numbers, stores and fans out each room’s publications in order',
  },
  shardDelivery: {
    entry: 'lambdas/handlers/shard-delivery.ts',
    description: 'Posts a large room’s frames to one shard of its members',
  },
  reauth: {
    entry: 'lambdas/handlers/reauth.ts',
    description: 'Extends a live connection with a fresh token',
  },
  sweeper: {
    entry: 'lambdas/handlers/sweeper.ts',
    description: 'Asks expiring connections to re-authenticate; closes expired and outlived ones',
  },
  ticket: {
    entry: 'lambdas/handlers/ticket.ts',
    description: 'POST /ticket: bearer token to a one-time connection ticket',
  },
  logout: {
    entry: 'lambdas/handlers/logout.ts',
    description: 'POST /logout: revokes a refresh token, or signs out everywhere',
  },
  login: { entry: 'lambdas/handlers/login.ts', description: 'POST /login: username and password to tokens' },
  password: {
    entry: 'lambdas/handlers/password.ts',
    description: 'POST /password: completes a login that needs a new password',
  },
  refresh: {
    entry: 'lambdas/handlers/refresh.ts',
    description: 'POST /refresh: refresh token to a new token',
  },
};

/** `$request.body.action` routes. `$connect` alone carries the authorizer. */
export const webSocketRoutes: Readonly<Record<string, FunctionName>> = {
  $connect: 'connect',
  $disconnect: 'disconnect',
  $default: 'default',
  joinRoom: 'joinRoom',
  leaveRoom: 'leaveRoom',
  sendMessage: 'sendMessage',
  reauth: 'reauth',
  createRoom: 'rooms',
  updateRoom: 'rooms',
  deleteRoom: 'rooms',
  listRooms: 'rooms',
  invite: 'moderation',
  uninvite: 'moderation',
  kick: 'moderation',
  ban: 'moderation',
  unban: 'moderation',
  setRole: 'moderation',
  presence: 'presence',
  history: 'history',
  deleteMessage: 'history',
};

export const routeSelectionExpression = '$request.body.action';

/**
 * The authorizer's identity sources. API Gateway invokes the authorizer only when every listed source
 * is present and answers 401 itself otherwise, so listing `?token=` would shut out the subprotocol,
 * cookie and ticket ways in. `Sec-WebSocket-Key` is part of every WebSocket handshake (RFC 6455), so
 * the authorizer always runs and decides itself which credential the client presented.
 */
export const webSocketIdentitySources = ['route.request.header.Sec-WebSocket-Key'] as const;

export const httpRoutes: Readonly<Record<string, FunctionName>> = {
  'POST /login': 'login',
  'POST /password': 'password',
  'POST /refresh': 'refresh',
  'POST /ticket': 'ticket',
  'POST /logout': 'logout',
};

/** Functions run on a schedule (EventBridge on AWS, a timer in the local stack). */
export const scheduledFunctions: Readonly<Partial<Record<FunctionName, { readonly everySeconds: number }>>> =
  {
    sweeper: { everySeconds: 60 },
  };

/**
 * Lambda event-filter pattern of the table-stream consumer (connectionEvents): new connection items
 * only. The CDK event source mapping and the local stream poller both apply this one object.
 */
export const connectionEventsStreamFilter = {
  eventName: ['INSERT'],
  dynamodb: { Keys: { [tableLayout.sortKey]: { S: [keys.connectionSortKey] } } },
} as const;

/** The fan-out's two SQS FIFO queues (lambdas/core/room-fanout.ts). */
export type QueueName = 'publications' | 'deliveries';

export interface QueueConsumer {
  readonly queue: QueueName;
  /** Messages per invocation; SQS FIFO gives Lambda at most 10. */
  readonly batchSize: number;
  /**
   * Seconds a received batch stays hidden: six times the function's timeout, as AWS advises for a
   * queue that feeds Lambda, so a batch still running is never handed to a second instance.
   */
  readonly visibilityTimeoutSeconds: number;
  /** The function's timeout. */
  readonly timeoutSeconds: number;
  /** Receives of one message before it moves to the queue's dead-letter queue. */
  readonly maxReceiveCount: number;
}

/**
 * Functions fed by a queue (an SQS event source mapping on AWS, the emulated one in the local stack),
 * with `ReportBatchItemFailures`. One consumer per queue.
 */
export const queueConsumers: Readonly<Partial<Record<FunctionName, QueueConsumer>>> = {
  sequencer: {
    queue: 'publications',
    batchSize: 10,
    timeoutSeconds: 60,
    visibilityTimeoutSeconds: 360,
    maxReceiveCount: 5,
  },
  shardDelivery: {
    queue: 'deliveries',
    batchSize: 10,
    timeoutSeconds: 60,
    visibilityTimeoutSeconds: 360,
    maxReceiveCount: 5,
  },
};
