/**
 * Fans a sequencer batch's frames out to the room's members, in order.
 *
 * A room of at most `directLimit` members is posted to by the sequencer itself: one Query and the
 * posts, no second queue. A larger room is split into the member shards (member-shards.ts): one
 * delivery per shard goes to the delivery queue, where shard workers read their own range and post in
 * parallel, each under the shared @connections budget.
 *
 * Once a room's fan-out went through shards it stays there for the rest of its epoch: frames still
 * queued for a shard could otherwise be overtaken by later frames posted directly, and every member
 * must get the room's frames in order. A sequencer finishes its direct posts before it takes its next
 * batch, so the switch the other way (direct, then shards) cannot reorder anything.
 */
import type { OutgoingFrame } from './fanout-publications.ts';
import { MEMBER_SHARDS } from './member-shards.ts';
import { type PostingDeps, type PostingReport, type PostingRules, postFrames } from './paced-posting.ts';
import type { DeliveryQueue, MessageHistory, RoomSequence } from './ports.ts';
import { announceDepartures, type PresenceDeps } from './presence.ts';

export interface FanoutRules extends PostingRules {
  /** Rooms with at most this many recipients are posted to by their sequencer, larger ones through shards. */
  readonly directLimit: number;
  /** How long a worker keeps retrying posts that fail for a passing reason before it gives the batch back. */
  readonly retryWindowMs: number;
}

export interface FanoutDeps extends PostingDeps, PresenceDeps {
  readonly history: Pick<MessageHistory, 'sequence' | 'markSharded'>;
  readonly deliveries: DeliveryQueue;
  readonly fanout: FanoutRules;
}

/** What became of a fan-out: done, or to be retried (some recipients still failing at the deadline). */
export type FanoutResult = 'done' | 'retry';

/**
 * Fans `frames` out to the room's members. `sequence` is the room's numbering state when the batch took
 * a number (it says whether the room is sharded); without it the state is read.
 */
export async function fanOutToMembers(
  deps: FanoutDeps,
  room: string,
  frames: readonly OutgoingFrame[],
  sequence: RoomSequence | undefined,
  batchId: string,
): Promise<FanoutResult> {
  if (frames.length === 0) return 'done';
  const state = sequence ?? (await deps.history.sequence(room));
  if (!state?.sharded) {
    const recipients: string[] = [];
    for await (const page of deps.rooms.recipients(room, { pageSize: deps.fanout.directLimit + 1 })) {
      recipients.push(...page);
      if (recipients.length > deps.fanout.directLimit) break;
    }
    if (recipients.length <= deps.fanout.directLimit) {
      return postAndSettle(deps, room, recipients, frames);
    }
    if (state) await deps.history.markSharded(room, state.epoch);
    deps.logger.info('room fans out through shards from now on', { room, over: deps.fanout.directLimit });
  }
  await deps.deliveries.enqueue(
    Array.from({ length: MEMBER_SHARDS }, (_, shard) => ({ room, shard, frames })),
    batchId,
  );
  return 'done';
}

/** Posts to named connections (a deleted room's former members), as a sequencer does for a small room. */
export async function fanOutToConnections(
  deps: FanoutDeps,
  room: string,
  recipients: readonly string[],
  frames: readonly OutgoingFrame[],
): Promise<FanoutResult> {
  return postAndSettle(deps, room, recipients, frames);
}

/**
 * Posts, then removes the connections found gone and tells their rooms. 'retry' when some recipients
 * were still failing at the deadline: the queue gives the batch back and they get it again (others may
 * get it twice; clients drop repeats by `seq`).
 */
export async function postAndSettle(
  deps: FanoutDeps,
  room: string,
  recipients: readonly string[],
  frames: readonly OutgoingFrame[],
): Promise<FanoutResult> {
  const report = await postFrames(
    deps,
    deps.fanout,
    recipients,
    frames,
    deps.now() + deps.fanout.retryWindowMs,
  );
  await settleGone(deps, report.gone);
  logLosses(deps, room, report);
  return report.undelivered.length > 0 ? 'retry' : 'done';
}

async function settleGone(deps: FanoutDeps, gone: readonly string[]): Promise<void> {
  for (const connectionId of gone) {
    await announceDepartures(deps, [await deps.connections.remove(connectionId)]);
  }
}

function logLosses(deps: FanoutDeps, room: string, report: PostingReport): void {
  if (report.gone.length === 0 && report.undelivered.length === 0 && report.rejected === 0) return;
  deps.logger.info('fan-out finished with losses', {
    room,
    posted: report.posted,
    gone: report.gone.length,
    undelivered: report.undelivered.length,
    rejected: report.rejected,
  });
}
