/**
 * The ports the domain talks through. Adapters in lambdas/adapters implement them with the AWS SDK;
 * unit tests may implement them in memory. Core functions take them as their first `deps` argument.
 */
import type { Identity } from './identity.ts';
import type { RateDecision } from './rate-limit.ts';
import type { Result } from './result.ts';

/** A live WebSocket connection as stored at `$connect`. */
export interface ConnectionRecord extends Identity {
  readonly connectionId: string;
  /** Epoch milliseconds. */
  readonly connectedAt: number;
  /** The per-user connection slot it holds, when a cap is enforced. */
  readonly slot?: number;
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
  /** Deletes the connection, every membership it holds and its slot. Idempotent: removing twice is harmless. */
  remove(connectionId: string): Promise<RemovedConnection>;
  /**
   * Replaces the token-derived identity after a re-authentication of the same user. Takes the record
   * the caller already read (its `connectedAt` fixes the sweep time), so no second read is needed;
   * 'gone' when the connection was removed meanwhile.
   */
  updateIdentity(connection: ConnectionRecord, identity: Identity): Promise<'updated' | 'gone'>;
  /** Records that the reauth notice for this token expiry was sent; false if it already was (or the token changed). */
  markReauthNotice(connectionId: string, tokenExpiresAt: number): Promise<boolean>;
  /** A user's live connections, page by page (the byUser index; `groups` are not projected there). */
  ofUser(username: string): AsyncIterable<readonly ConnectionRecord[]>;
  /** Connections whose token expires, or whose 2-hour limit passes, at or before `until` (epoch seconds). */
  due(until: number): AsyncIterable<readonly ConnectionRecord[]>;
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

/** Who holds one of a user's connection slots. */
export interface SlotHolder {
  readonly slot: number;
  readonly connectionId: string;
  /** Epoch milliseconds. */
  readonly claimedAt: number;
}

/** The slot claimed, or every slot's holder when all are taken. */
export type SlotClaim = Result<{ readonly slot: number }, { readonly holders: readonly SlotHolder[] }>;

/**
 * A user's concurrent-connection slots, numbered 0 … cap − 1. Claiming is a conditional write per slot,
 * so across every Lambda instance at most `cap` connections of a user hold one.
 */
export interface ConnectionSlots {
  claim(userId: string, connectionId: string, cap: number): Promise<SlotClaim>;
  /** Frees the slot only if `connectionId` still holds it. */
  release(userId: string, slot: number, connectionId: string): Promise<void>;
}

export type PostOutcome = 'delivered' | 'gone';

/** API Gateway's @connections API. */
export interface ConnectionGateway {
  post(connectionId: string, data: Uint8Array | string): Promise<PostOutcome>;
  disconnect(connectionId: string): Promise<PostOutcome>;
  /** Asks API Gateway whether the connection is still open (GET @connections/{id}). */
  probe(connectionId: string): Promise<'open' | 'gone'>;
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type Clock = () => number;

/** Admits or refuses one message of a connection (see rate-limit.ts). */
export interface RateLimiter {
  consume(connectionId: string): Promise<RateDecision>;
}

/** Why a token was refused: the failed check by name, never the token, and whose fault it was. */
export interface TokenRejection {
  readonly reason: string;
  /**
   * `client` when the token is at fault; `server` when verification could not run (key set unreachable,
   * misconfiguration). A client must be able to tell "your credential is bad" from "try again later".
   */
  readonly fault: 'client' | 'server';
}

/** Verifies a bearer token and says who it belongs to. */
export interface TokenVerifier {
  verify(token: string): Promise<Result<Identity, TokenRejection>>;
}

/**
 * One-time connection tickets (see connection-tickets.ts). `save` stores the identity under a sealed
 * ticket until `validUntil` (epoch milliseconds); `redeem` returns that identity at most once, and only
 * while the ticket is valid — a replayed, unknown or expired ticket gives `undefined`.
 */
export interface TicketStore {
  save(ticket: string, identity: Identity, validUntil: number): Promise<void>;
  redeem(ticket: string): Promise<Identity | undefined>;
}
