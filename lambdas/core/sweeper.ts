/**
 * The periodic sweep (an EventBridge schedule on AWS, a timer in the local stack):
 * - connections whose token expires within the notice window get one `reauth_required`;
 * - connections still expired after the grace period are told why (`closing TOKEN_EXPIRED`), lose
 *   their rows (their rooms hear `left`) and are closed;
 * - connections older than API Gateway's 2-hour limit are gone whether or not their $disconnect arrived,
 *   so their rows are removed (best-effort cleanup of lost $disconnects).
 * Rows are removed before the close, so the $disconnect that the close triggers finds nothing left to
 * announce and no room hears `left` twice.
 */

import { closeWithReason, closingReasons } from './closing.ts';
import { forEachConcurrently } from './concurrency.ts';
import { MAX_CONNECTION_SECONDS } from './connection-limits.ts';
import { describeFailure } from './failure.ts';
import { encodeFrame, reauthRequiredFrame } from './frames.ts';
import type { ConnectionRecord } from './ports.ts';
import { announceDepartures, type PresenceDeps } from './presence.ts';

export type SweepDeps = PresenceDeps;

export interface SweepPolicy {
  readonly reauthNoticeSeconds: number;
  readonly reauthGraceSeconds: number;
}

export interface SweepReport {
  readonly examined: number;
  readonly noticed: number;
  readonly closed: number;
  readonly failed: number;
}

const SWEEP_CONCURRENCY = 16;

export async function sweepConnections(deps: SweepDeps, policy: SweepPolicy): Promise<SweepReport> {
  const now = deps.now() / 1000;
  let examined = 0;
  let noticed = 0;
  let closed = 0;
  let failed = 0;
  for await (const page of deps.connections.due(now + policy.reauthNoticeSeconds)) {
    await forEachConcurrently(page, SWEEP_CONCURRENCY, async (connection) => {
      examined++;
      try {
        const action = decide(connection, now, policy);
        if (action === 'close') {
          await close(deps, connection, now);
          closed++;
        } else if (
          action === 'notice' &&
          (await deps.connections.markReauthNotice(connection.connectionId, connection.tokenExpiresAt))
        ) {
          const frame = encodeFrame(
            reauthRequiredFrame(connection.tokenExpiresAt, policy.reauthGraceSeconds),
          );
          if ((await deps.gateway.post(connection.connectionId, frame)) === 'gone') {
            await announceDepartures(deps, [await deps.connections.remove(connection.connectionId)]);
          }
          noticed++;
        }
      } catch (error) {
        failed++;
        deps.logger.warn('sweep of a connection failed', {
          connectionId: connection.connectionId,
          ...describeFailure(error),
        });
      }
    });
  }
  return { examined, noticed, closed, failed };
}

function decide(connection: ConnectionRecord, now: number, policy: SweepPolicy): 'close' | 'notice' | 'wait' {
  const closesAt = connection.connectedAt / 1000 + MAX_CONNECTION_SECONDS;
  if (now >= connection.tokenExpiresAt + policy.reauthGraceSeconds) return 'close';
  // Past the 2-hour limit API Gateway has already closed it; the row outlived a lost $disconnect.
  if (now >= closesAt + policy.reauthGraceSeconds) return 'close';
  if (connection.tokenExpiresAt <= closesAt && now >= connection.tokenExpiresAt - policy.reauthNoticeSeconds)
    return 'notice';
  return 'wait';
}

async function close(deps: SweepDeps, connection: ConnectionRecord, now: number): Promise<void> {
  if (connection.tokenExpiresAt <= now) {
    await closeWithReason(deps, connection.connectionId, closingReasons.tokenExpired);
    return;
  }
  // Past API Gateway's 2-hour limit the connection is already closed and no frame can reach it: remove
  // its rows, and close it anyway in case a clock disagrees (a close of a gone connection is a 410).
  const removed = await deps.connections.remove(connection.connectionId);
  await announceDepartures(deps, [removed]);
  await deps.gateway.disconnect(connection.connectionId);
}
