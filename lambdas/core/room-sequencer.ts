/**
 * A room's sequencer: takes the room's publications in the order its queue gives them (one FIFO group
 * per room, one batch at a time) and turns them into one ordered run of frames for the room's members.
 * Messages are numbered, stored and acknowledged here (messages.ts), so the order in which members get
 * them is the order of their numbers; other frames keep their place between them.
 *
 * A batch is all or nothing for the queue: when any step throws, or some recipients still fail at the
 * deadline, the whole batch is given back and comes again. That is safe because a message already
 * stored is found by its id and never numbered twice; recipients who got a frame the first time may
 * get it again, and clients drop a repeat by its `seq` (the SDK does).
 */

import type { OutgoingFrame, Queued, RoomPublication } from './fanout-publications.ts';
import { frameText } from './frames.ts';
import type { HistoryDeps } from './history.ts';
import { type Sequenced, sequenceMessage } from './messages.ts';
import type { HistoryRecord, RoomSequence } from './ports.ts';
import { type FanoutDeps, type FanoutResult, fanOutToConnections, fanOutToMembers } from './room-fanout.ts';

export type SequencerDeps = FanoutDeps & HistoryDeps;

/**
 * Sequences one batch of one room's publications; 'retry' gives the whole batch back to the queue.
 * `batchId` identifies the batch for the delivery queue's de-duplication.
 */
export async function sequenceRoom(
  deps: SequencerDeps,
  room: string,
  batch: readonly Queued<RoomPublication>[],
  batchId: string,
): Promise<FanoutResult> {
  let frames: OutgoingFrame[] = [];
  let sequence: RoomSequence | undefined;
  let earlier: readonly HistoryRecord[] | undefined;
  let result: FanoutResult = 'done';

  const flush = async () => {
    if ((await fanOutToMembers(deps, room, frames, sequence, batchId)) === 'retry') result = 'retry';
    frames = [];
  };

  for (const { value: publication, receiveCount } of batch) {
    if (publication.kind === 'frame') {
      const frame = {
        data: publication.frame,
        ...(publication.exclude !== undefined ? { exclude: publication.exclude } : {}),
      };
      if (publication.recipients === undefined) {
        frames.push(frame);
        continue;
      }
      // Named recipients (a deleted room's former members): after the frames before it, posted directly.
      await flush();
      if ((await fanOutToConnections(deps, room, publication.recipients, [frame])) === 'retry')
        result = 'retry';
      continue;
    }
    if (receiveCount > 1 && earlier === undefined)
      earlier = await latestRecords(deps, room, publication.epoch);
    const sequenced: Sequenced = await sequenceMessage(deps, publication, earlier);
    if (sequenced.sequence) sequence = sequenced.sequence;
    if (sequenced.frame) frames.push({ data: frameText(sequenced.frame) });
  }
  await flush();
  return result;
}

/**
 * The room's latest records, read once for a batch that came back: every message this sequencer stored
 * before giving the batch back is among them, since nothing else numbers the room's messages and the
 * queue holds the room's later publications until this batch is done.
 */
async function latestRecords(
  deps: SequencerDeps,
  room: string,
  epoch: string,
): Promise<readonly HistoryRecord[]> {
  if (deps.historyRules.retentionMs <= 0) return [];
  const state = await deps.history.sequence(room);
  if (!state || state.epoch !== epoch) return [];
  return deps.history.read(
    room,
    epoch,
    { after: Math.max(0, state.seq - LATEST_RECORDS), before: state.seq + 1, limit: LATEST_RECORDS },
    deps.now(),
  );
}

/** Comfortably more than one batch (SQS FIFO gives Lambda at most 10 messages at once). */
const LATEST_RECORDS = 50;
