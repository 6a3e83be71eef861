/**
 * Notifications from an administrator or a backend service to authenticated users: one `notification`
 * frame to every live connection of the target, and to nobody else.
 *
 * - a user: their connections, through the byUser index;
 * - a room: its members, through the room's member Query (members only; a connection whose token has
 *   expired is left out there, as for every room broadcast);
 * - everyone: every connection, through each shard of the bySweep index (never a Scan).
 *
 * A connection whose token has expired gets nothing, whichever the target: it is no longer an
 * authenticated user until it re-authenticates. Delivery is a broadcast like any other (broadcast.ts):
 * a connection found gone (410) loses its rows and leaves presence, so its rooms hear `left`.
 */

import { frameText, notificationFrame } from './frames.ts';
import { MEMBER_SHARDS } from './member-shards.ts';
import type { NotificationRequest, NotificationTarget } from './notification-request.ts';
import { postFrames, unlimitedPostBudget } from './paced-posting.ts';
import type { ConnectionRecord } from './ports.ts';
import { announceDepartures, type PresenceDeps } from './presence.ts';
import { publishToConnections, publishToRoom, RECIPIENTS_PER_PUBLICATION } from './room-publishing.ts';

/** `from` of notifications sent through the IAM-authorized service route. */
export const SERVICE_SENDER = 'service';

export interface NotificationDeps extends PresenceDeps {
  /** A unique, time-ordered id (ULID, message-id.ts). */
  readonly newMessageId: () => string;
}

/** What became of a notification: delivered now (a user's connections), or handed to the fan-out. */
export type NotificationReport =
  | {
      readonly id: string;
      readonly target: 'user';
      /** Connections the frame was delivered to. */
      readonly delivered: number;
      /** Connections found gone (410), removed and taken out of presence. */
      readonly gone: number;
      /** Connections still failing (e.g. throttled) when delivery gave up; they stay. */
      readonly failed: number;
    }
  | {
      readonly id: string;
      readonly target: 'room' | 'everyone';
      /** Connections handed to the fan-out (everyone), or undefined for a room (its sequencer reads them). */
      readonly queued?: number;
    };

/** A user has a handful of connections: they are posted to at once, with a short retry window. */
const USER_DELIVERY = { concurrency: 8, firstBackoffMs: 100, maxBackoffMs: 1_000 };
const USER_RETRY_WINDOW_MS = 5_000;

/**
 * Sends `request` as `from` (an administrator's username, or {@link SERVICE_SENDER}). A user's
 * connections are posted to within the request; a room's members and everyone are reached through the
 * fan-out queues (room-publishing.ts), so an audience of any size costs the request a few queue messages.
 */
export async function sendNotification(
  deps: NotificationDeps,
  from: string,
  request: NotificationRequest,
): Promise<NotificationReport> {
  const now = deps.now();
  const id = deps.newMessageId();
  const frame = notificationFrame({
    id,
    from,
    time: now,
    content: request.content,
    ...(request.title !== undefined ? { title: request.title } : {}),
    ...(request.data !== undefined ? { data: request.data } : {}),
  });
  const to: NotificationTarget = request.to;
  switch (to.kind) {
    case 'user': {
      const recipients: string[] = [];
      for await (const page of authenticated(deps.connections.ofUser(to.username), now)) {
        recipients.push(...page.map((connection) => connection.connectionId));
      }
      const report = await postFrames(
        { ...deps, budget: unlimitedPostBudget },
        USER_DELIVERY,
        recipients,
        [{ data: frameText(frame) }],
        now + USER_RETRY_WINDOW_MS,
      );
      for (const connectionId of report.gone) {
        await announceDepartures(deps, [await deps.connections.remove(connectionId)]);
      }
      return {
        id,
        target: 'user',
        delivered: recipients.length - report.gone.length - report.undelivered.length,
        gone: report.gone.length,
        failed: report.undelivered.length,
      };
    }
    case 'room':
      await publishToRoom(deps, to.room, frame);
      return { id, target: 'room' };
    case 'everyone': {
      // Spread over as many sequencer groups as a room has shards, so large audiences go out in parallel.
      let queued = 0;
      let chunk = 0;
      let batch: string[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        await publishToConnections(deps, everyoneGroup(chunk++), frame, batch);
        queued += batch.length;
        batch = [];
      };
      for await (const page of authenticated(deps.connections.all(), now)) {
        for (const connection of page) {
          batch.push(connection.connectionId);
          if (batch.length === RECIPIENTS_PER_PUBLICATION) await flush();
        }
      }
      await flush();
      return { id, target: 'everyone', queued };
    }
  }
}

/** Sequencer groups of notifications to everyone: not room names (those start with a letter or digit). */
export function everyoneGroup(chunk: number): string {
  return `~everyone-${chunk % MEMBER_SHARDS}`;
}

/** Leaves out connections whose token has expired, as the room member Query does. */
async function* authenticated(
  pages: AsyncIterable<readonly ConnectionRecord[]>,
  now: number,
): AsyncIterable<readonly ConnectionRecord[]> {
  const nowSeconds = Math.floor(now / 1000);
  for await (const page of pages) {
    const live = page.filter((connection) => connection.tokenExpiresAt > nowSeconds);
    if (live.length > 0) yield live;
  }
}
