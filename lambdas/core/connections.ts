/**
 * Connection lifecycle: open at $connect, close at $disconnect, welcome once established.
 */
import { type ConnectionCapDeps, claimConnectionSlot } from './connection-cap.ts';
import { encodeFrame, welcomeFrame } from './frames.ts';
import type { Identity } from './identity.ts';
import type { Clock, ConnectionGateway, ConnectionRecord, ConnectionStore, Logger } from './ports.ts';
import { announceDepartures, type PresenceDeps } from './presence.ts';
import { fail, ok, type Result } from './result.ts';

/** What `$connect` needs: the cap's collaborators and the cap itself. */
export interface ConnectDeps extends ConnectionCapDeps {
  /** Concurrent connections allowed per user; 0 disables the cap. */
  readonly maxConnectionsPerUser: number;
}

/** The stored connection, or the cap its user is already at. */
export type OpenOutcome = Result<ConnectionRecord, { readonly cap: number }>;

/**
 * Stores a new connection, first claiming one of its user's slots when `cap` > 0. If storing fails
 * after the claim, the slot is released so the failure cannot count against the user.
 */
export async function openConnection(
  deps: ConnectionCapDeps,
  connectionId: string,
  identity: Identity,
  cap: number,
): Promise<OpenOutcome> {
  let slot: number | undefined;
  if (cap > 0) {
    const claim = await claimConnectionSlot(deps, identity.userId, connectionId, cap);
    if (!claim.success) return fail({ cap });
    slot = claim.data.slot;
  }
  const connection: ConnectionRecord = {
    connectionId,
    ...identity,
    connectedAt: deps.now(),
    ...(slot !== undefined ? { slot } : {}),
  };
  try {
    await deps.connections.save(connection);
  } catch (error) {
    if (slot !== undefined)
      await deps.slots.release(identity.userId, slot, connectionId).catch(() => undefined);
    throw error;
  }
  return ok(connection);
}

/** Removes the connection and tells every room it was in that its user left. Safe to run twice. */
export async function closeConnection(deps: PresenceDeps, connectionId: string): Promise<void> {
  const removed = await deps.connections.remove(connectionId);
  await announceDepartures(deps, [removed]);
}

export interface WelcomeDeps {
  readonly connections: ConnectionStore;
  readonly gateway: ConnectionGateway;
  readonly logger: Logger;
  readonly now: Clock;
  readonly sleep: (ms: number) => Promise<void>;
}

export type WelcomeOutcome = 'delivered' | 'gone' | 'closed-before-welcome';

/**
 * Backoff for posting the welcome. API Gateway answers 410 to posts made before the $connect
 * integration has returned (the connection is not established yet), and the table stream can deliver
 * the new connection within that window, so a 410 is retried while the connection is still stored.
 */
export const WELCOME_RETRY_DELAYS_MS = [50, 100, 200, 400, 800, 1600] as const;

/**
 * Sends the welcome frame to a connection that $connect stored. Posting from inside $connect cannot
 * work on AWS (410 until the handler returns), so this runs afterwards, driven by the table stream.
 */
export async function welcomeConnection(
  deps: WelcomeDeps,
  connection: ConnectionRecord,
): Promise<WelcomeOutcome> {
  const frame = encodeFrame(welcomeFrame(connection.connectionId, connection, deps.now()));
  for (let attempt = 0; ; attempt++) {
    if ((await deps.gateway.post(connection.connectionId, frame)) === 'delivered') return 'delivered';
    const delay = WELCOME_RETRY_DELAYS_MS[attempt];
    if (delay === undefined) break;
    await deps.sleep(delay);
    // $disconnect already removed it: the client left before it could be welcomed.
    if (!(await deps.connections.find(connection.connectionId))) return 'closed-before-welcome';
  }
  // Still gone after every retry: the client vanished without a $disconnect reaching us.
  await deps.connections.remove(connection.connectionId);
  deps.logger.info('connection gone before welcome; removed', { connectionId: connection.connectionId });
  return 'gone';
}
