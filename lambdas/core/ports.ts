/**
 * The ports the domain talks through. Adapters in lambdas/adapters implement them with the AWS SDK;
 * unit tests may implement them in memory. Core functions take them as their first `deps` argument.
 */
import type { Identity } from './identity.ts';

/** A live WebSocket connection as stored at `$connect`. */
export interface ConnectionRecord extends Identity {
  readonly connectionId: string;
  /** Epoch milliseconds. */
  readonly connectedAt: number;
}

/** One connection's membership of one room. */
export interface RoomMembership {
  readonly room: string;
  readonly connectionId: string;
  readonly userId: string;
  readonly username: string;
  /** Epoch milliseconds. */
  readonly joinedAt: number;
}

/** What `remove` took away, so callers can tell the rooms the connection left. */
export interface RemovedConnection {
  readonly connection: ConnectionRecord | undefined;
  readonly rooms: readonly string[];
}

export interface ConnectionStore {
  save(connection: ConnectionRecord): Promise<void>;
  find(connectionId: string): Promise<ConnectionRecord | undefined>;
  /** Deletes the connection and every membership it holds. Idempotent: removing twice is harmless. */
  remove(connectionId: string): Promise<RemovedConnection>;
}

export type JoinOutcome = 'joined' | 'already-member' | 'connection-gone';
export type LeaveOutcome = 'left' | 'not-member';

export interface RoomStore {
  /** Adds the membership only while the connection exists, so a late join cannot outlive its connection. */
  join(membership: RoomMembership): Promise<JoinOutcome>;
  leave(room: string, connectionId: string): Promise<LeaveOutcome>;
  isMember(room: string, connectionId: string): Promise<boolean>;
  /** The room's members, page by page (each page is one DynamoDB Query response). */
  members(room: string): AsyncIterable<readonly RoomMembership[]>;
}

export type PostOutcome = 'delivered' | 'gone';

/** API Gateway's @connections API. */
export interface ConnectionGateway {
  post(connectionId: string, data: Uint8Array | string): Promise<PostOutcome>;
  disconnect(connectionId: string): Promise<PostOutcome>;
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type Clock = () => number;
