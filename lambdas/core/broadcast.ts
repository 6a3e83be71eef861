/**
 * Fan-out of one frame to every member of a room.
 *
 * The frame is serialised once; members are read page by page and posted with bounded concurrency so
 * a large room neither waits on one slow post at a time nor floods the @connections API. A gone peer
 * (410) has its rows removed on the spot and is reported, so the caller can take it out of presence
 * (presence.ts); any other failure is reported and never stops delivery to the rest.
 */
import { describeFailure } from './failure.ts';
import { encodeFrame, type ServerFrame } from './frames.ts';
import type { ConnectionGateway, ConnectionStore, Logger, RemovedConnection, RoomStore } from './ports.ts';

export interface BroadcastDeps {
  /** Only the member list is read here; presence.ts and the use cases need the whole store. */
  readonly rooms: Pick<RoomStore, 'members'>;
  readonly connections: ConnectionStore;
  readonly gateway: ConnectionGateway;
  readonly logger: Logger;
}

export interface BroadcastReport {
  readonly delivered: number;
  /** Connections found gone (410) and removed. */
  readonly gone: readonly RemovedConnection[];
  /** Posts that failed for another reason, after the SDK's retries. */
  readonly failed: number;
}

/** Concurrent posts per broadcast: well inside the account's 10,000 RPS @connections quota per instance. */
export const DEFAULT_BROADCAST_CONCURRENCY = 32;

export interface BroadcastOptions {
  /** A connection that already got its own copy (the caller of a request). */
  readonly exclude?: string;
  /** @default {@link DEFAULT_BROADCAST_CONCURRENCY} */
  readonly concurrency?: number;
}

export async function broadcastToRoom(
  deps: BroadcastDeps,
  room: string,
  frame: ServerFrame,
  options: BroadcastOptions = {},
): Promise<BroadcastReport> {
  const data = encodeFrame(frame);
  const concurrency = options.concurrency ?? DEFAULT_BROADCAST_CONCURRENCY;
  let delivered = 0;
  let failed = 0;
  const gone: RemovedConnection[] = [];

  for await (const page of deps.rooms.members(room)) {
    const recipients = options.exclude
      ? page.filter((member) => member.connectionId !== options.exclude)
      : page;
    await forEachConcurrently(recipients, concurrency, async (member) => {
      try {
        const outcome = await deps.gateway.post(member.connectionId, data);
        if (outcome === 'delivered') {
          delivered++;
          return;
        }
        gone.push(await deps.connections.remove(member.connectionId));
      } catch (error) {
        failed++;
        deps.logger.warn('post to connection failed', {
          room,
          connectionId: member.connectionId,
          frameType: frame.type,
          ...describeFailure(error),
        });
      }
    });
  }
  if (gone.length > 0 || failed > 0) {
    deps.logger.info('broadcast finished with losses', {
      room,
      frameType: frame.type,
      delivered,
      gone: gone.length,
      failed,
    });
  }
  return { delivered, gone, failed };
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
