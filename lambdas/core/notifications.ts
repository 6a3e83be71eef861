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
import { broadcastToConnections } from './broadcast.ts';
import { notificationFrame } from './frames.ts';
import type { NotificationRequest, NotificationTarget } from './notification-request.ts';
import type { ConnectionRecord } from './ports.ts';
import { announceDepartures, type PresenceDeps } from './presence.ts';

/** `from` of notifications sent through the IAM-authorized service route. */
export const SERVICE_SENDER = 'service';

export interface NotificationDeps extends PresenceDeps {
  /** A unique, time-ordered id (ULID, message-id.ts). */
  readonly newMessageId: () => string;
}

export interface NotificationReport {
  readonly id: string;
  /** Connections the frame was delivered to. */
  readonly delivered: number;
  /** Connections found gone (410), removed and taken out of presence. */
  readonly gone: number;
  /** Posts that failed otherwise (after the SDK's retries, e.g. throttling); their connections stay. */
  readonly failed: number;
}

/**
 * Sends `request` as `from` (an administrator's username, or {@link SERVICE_SENDER}). Failures of single
 * posts are counted, not thrown; a failing store read is thrown.
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
  const report = await broadcastToConnections(deps, recipientsOf(deps, request.to, now), frame, {
    context: { notificationId: id, target: request.to.kind },
  });
  await announceDepartures(deps, report.gone);
  return { id, delivered: report.delivered, gone: report.gone.length, failed: report.failed };
}

function recipientsOf(
  deps: NotificationDeps,
  to: NotificationTarget,
  now: number,
): AsyncIterable<readonly { readonly connectionId: string }[]> {
  switch (to.kind) {
    case 'user':
      return authenticated(deps.connections.ofUser(to.username), now);
    case 'room':
      return deps.rooms.members(to.room);
    case 'everyone':
      return authenticated(deps.connections.all(), now);
  }
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
