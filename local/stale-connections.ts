/**
 * Connections stored by an earlier run of the local stack on the same data directory. The emulator's
 * sockets died with that run, so every stored connection is dead; if its rows stayed, the first
 * broadcast to one of its rooms would meet a 410 for each and tell the room that long-gone users
 * left. At start, before any client can connect, they are removed without a word to anyone (nobody
 * is connected to hear it).
 *
 * Removal goes through the stores the handlers use (`ConnectionStore.remove`: the connection item,
 * its memberships on both sides and its per-user slot; then `forgetDepartures`: its place in each
 * room's presence and count), and connections are found through the sweep index (`due`), never a Scan.
 */
import { forEachConcurrently } from '../lambdas/core/concurrency.ts';
import { MAX_CONNECTION_SECONDS } from '../lambdas/core/connection-limits.ts';
import type { ConnectionStore, RoomStore } from '../lambdas/core/ports.ts';
import { forgetDepartures } from '../lambdas/core/presence.ts';

/**
 * A connection's sweep time is at most 2 hours after it connected, and every stored connection
 * connected before this start; a year of slack covers a clock set back since then.
 */
const clockSlackSeconds = 365 * 24 * 3600;

/** Removes every stored connection; resolves with how many there were. */
export async function removeStaleConnections(
  store: Pick<ConnectionStore, 'due' | 'remove'>,
  rooms: Pick<RoomStore, 'removePresence'>,
  now: () => number = Date.now,
): Promise<number> {
  const until = Math.floor(now() / 1000) + MAX_CONNECTION_SECONDS + clockSlackSeconds;
  // Collected first, so removals never change the index pages still being read.
  const connectionIds = new Set<string>();
  for await (const page of store.due(until)) {
    for (const connection of page) connectionIds.add(connection.connectionId);
  }
  await forEachConcurrently([...connectionIds], 8, async (connectionId) => {
    // Silently: nobody is connected yet to hear that these users left.
    await forgetDepartures({ rooms }, [await store.remove(connectionId)]);
  });
  return connectionIds.size;
}
