/**
 * Presence by user. Rooms hear `joined` when a user's first connection joins and `left` when their last
 * one leaves; a second tab is silent to others. Above `announceJoinsUpTo` users a room stops announcing
 * each change (filling a room would cost N² frames) and its members get at most one `occupancy` frame
 * per `occupancyIntervalMs` while the count changes, the last change always announced.
 *
 * Every path that finds a connection gone — `$disconnect`, a 410 on a post, the sweeper, the cap's
 * probe — ends in `announceDepartures`, which takes the connection out of each room's presence, so a
 * lost `$disconnect` never leaves a ghost.
 */
import { encodeFrame, membershipFrame } from './frames.ts';
import type { Identity } from './identity.ts';
import type {
  Clock,
  ConnectionGateway,
  ConnectionStore,
  Logger,
  RemovedConnection,
  RoomDirectory,
  RoomStore,
} from './ports.ts';
import { type PublishDeps, publishToRoom } from './room-publishing.ts';

/** Limits and thresholds of rooms (lambdas/defaults.ts holds their defaults). */
export interface RoomRules {
  /** Rooms one connection may be in at once; 0 for no limit. */
  readonly maxRoomsPerConnection: number;
  /** Users one room may hold; 0 for no limit. */
  readonly maxMembersPerRoom: number;
  /** Rooms with more users than this announce `occupancy` instead of each `joined`/`left`. */
  readonly announceJoinsUpTo: number;
  /** At most one `occupancy` frame per room per this many milliseconds. */
  readonly occupancyIntervalMs: number;
}

export interface PresenceDeps extends PublishDeps {
  readonly connections: ConnectionStore;
  readonly gateway: ConnectionGateway;
  readonly logger: Logger;
  readonly rooms: RoomStore;
  readonly directory: RoomDirectory;
  readonly rules: RoomRules;
  readonly now: Clock;
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * Tells a room that a user joined or left, as its size calls for: the membership frame to everyone but
 * `exclude` (the connection that already got its own copy), or an occupancy update.
 */
export async function announcePresenceChange(
  deps: PresenceDeps,
  room: string,
  type: 'joined' | 'left',
  who: Pick<Identity, 'userId' | 'username'>,
  members: number,
  exclude?: string,
): Promise<void> {
  if (members > deps.rules.announceJoinsUpTo) {
    await announceOccupancy(deps, room);
    return;
  }
  await publishToRoom(deps, room, membershipFrame(type, room, who, deps.now()), {
    ...(exclude !== undefined ? { exclude } : {}),
  });
}

/**
 * Announces the room's user count, at most once per interval. A change inside the interval claims the
 * one delayed announcement, which waits out the interval and then tells the count as it is by then,
 * so the last change of a burst is never lost and a burst of N changes costs a few frames per member.
 */
export async function announceOccupancy(deps: PresenceDeps, room: string): Promise<void> {
  const interval = deps.rules.occupancyIntervalMs;
  const claim = await deps.directory.claimOccupancy(room, deps.now(), interval);
  if (claim === 'none') return;
  if (claim === 'later') {
    await deps.sleep(interval);
    await deps.directory.releaseOccupancy(room, deps.now());
  }
  const current = await deps.directory.describe(room);
  if (!current) return;
  await publishToRoom(deps, room, { type: 'occupancy', room, count: current.members });
}

/**
 * For connections that are gone (their rows already removed): takes each out of its rooms' presence and
 * tells the rooms where it was its user's last connection.
 */
export async function announceDepartures(
  deps: PresenceDeps,
  departed: readonly RemovedConnection[],
): Promise<void> {
  for (const { connection, rooms } of departed) {
    if (!connection) continue;
    for (const room of rooms) {
      const change = await deps.rooms.removePresence(room, connection.username, connection.connectionId);
      if (change.userChanged) {
        await announcePresenceChange(deps, room, 'left', connection, change.members);
      }
    }
  }
}

/** Takes gone connections out of presence without announcing anything (cleanup never cascades). */
export async function forgetDepartures(
  deps: { readonly rooms: Pick<RoomStore, 'removePresence'> },
  departed: readonly RemovedConnection[],
): Promise<void> {
  for (const { connection, rooms } of departed) {
    if (!connection) continue;
    for (const room of rooms) {
      await deps.rooms.removePresence(room, connection.username, connection.connectionId);
    }
  }
}

/** Posts one frame to one connection, reporting whether it is gone; for replies and personal notices. */
export async function postTo(
  deps: { readonly gateway: ConnectionGateway },
  connectionId: string,
  frame: Parameters<typeof encodeFrame>[0],
): Promise<'delivered' | 'gone'> {
  return deps.gateway.post(connectionId, encodeFrame(frame));
}
