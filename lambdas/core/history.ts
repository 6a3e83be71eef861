/**
 * Reading a room's history as a contiguous run of numbers. Every number from 1 to the room's last is a
 * message, a tombstone (deleted), or missing: taken by a send that has not stored its message yet, or
 * by one that died between taking the number and storing the message. A missing number older than
 * `holeTimeoutMs` (longer than any send can take) is filled with a tombstone, so readers can tell
 * "deleted" from "missing" and no hole is permanent; a younger one ends the run (its message will
 * arrive live, or be filled later).
 *
 * Missing numbers before the first record read are a different matter: they may simply be past the
 * retention. Runs are therefore anchored on a record known to exist.
 */
import { ErrorCode } from './error-codes.ts';
import type { HistoryRecord, MessageHistory, RoomSequence } from './ports.ts';
import type { RequestOutcome } from './protocol.ts';
import { fail, ok } from './result.ts';
import { mayRead } from './room-policy.ts';
import { contextOf, findRoom, policyError, type RoomDeps, refusal, reply } from './rooms.ts';
import {
  DEFAULT_HISTORY_PAGE,
  type HistoryEntry,
  type HistoryRequest,
  type MessageDeletedFrame,
  type MessageFrame,
} from './wire.ts';

/** How long history is kept and how it is replayed. */
export interface HistoryRules {
  /** Milliseconds messages are kept; 0 keeps none (history is off, numbering still runs). */
  readonly retentionMs: number;
  /** Messages a join replays at most; beyond that the client pages with `history`. */
  readonly maxReplay: number;
  /** A missing number older than this is filled with a tombstone. */
  readonly holeTimeoutMs: number;
  /** A sender may delete their own message for this long after sending it. */
  readonly deleteOwnWindowMs: number;
}

export interface HistoryDeps extends RoomDeps {
  readonly history: MessageHistory;
  readonly historyRules: HistoryRules;
}

/** A run of records read in ascending order, with whether it reached the end of the asked range. */
export interface Run {
  readonly records: readonly HistoryRecord[];
  /** False when a young hole, or the limit, cut it short. */
  readonly complete: boolean;
}

/**
 * Records after `after` (exclusive) up to the room's last number, at most `limit`. Holes between
 * records, and at the end, are filled once old. A young hole (a send still on its way) either ends the
 * run (`history`: pages are contiguous) or is stepped over (`pastYoungHoles`, a join's catch-up: the
 * message behind it is stored after this read and so fanned out to the joiner, while the records after
 * it may have been fanned out before the join and exist only here). The caller has made sure number
 * `after` is kept (or is 0), so no missing number here is expired.
 */
export async function readForward(
  deps: HistoryDeps,
  room: string,
  sequence: RoomSequence,
  after: number,
  limit: number,
  options: { readonly pastYoungHoles?: boolean } = {},
): Promise<Run> {
  const now = deps.now();
  const young = (since: number) => now - since < deps.historyRules.holeTimeoutMs;
  const found = await deps.history.read(
    room,
    sequence.epoch,
    { after, before: sequence.seq + 1, limit: limit + 1 },
    now,
  );
  const records: HistoryRecord[] = [];
  let expected = after + 1;
  for (const record of found) {
    if (record.seq > expected) {
      // Numbers expected … record.seq − 1 were taken before this record was sent.
      if (!young(record.sentAt)) {
        records.push(...(await fillHoles(deps, room, sequence.epoch, expected, record.seq, now)));
      } else if (!options.pastYoungHoles) {
        return { records, complete: false };
      }
    }
    records.push(record);
    expected = record.seq + 1;
    if (records.length >= limit) break;
  }
  if (records.length >= limit) return { records: records.slice(0, limit), complete: false };
  if (expected <= sequence.seq) {
    // The tail: numbers taken no later than the last one, which was taken at seqAt.
    if (young(sequence.seqAt)) return { records, complete: options.pastYoungHoles === true };
    const filled = await fillHoles(deps, room, sequence.epoch, expected, sequence.seq + 1, now);
    records.push(...filled.slice(0, limit - records.length));
    return { records, complete: records.length > 0 && records.at(-1)?.seq === sequence.seq };
  }
  return { records, complete: true };
}

/** Fills numbers from … to − 1 with tombstones; a number someone stored meanwhile is read instead. */
async function fillHoles(
  deps: HistoryDeps,
  room: string,
  epoch: string,
  from: number,
  to: number,
  now: number,
): Promise<HistoryRecord[]> {
  const filled: HistoryRecord[] = [];
  for (let seq = from; seq < to; seq++) {
    if ((await deps.history.fillHole(room, epoch, seq, now)) === 'filled') {
      deps.logger.warn('filled a number a failed send left unused', { room, seq });
      filled.push({ seq, deleted: true, sentAt: now });
    } else {
      const record = await deps.history.get(room, epoch, seq);
      if (record) filled.push(record);
    }
  }
  return filled;
}

/** A record as a history entry: the message, or `{seq, deleted: true, by?}`. */
export function toEntry(record: HistoryRecord): HistoryEntry {
  if ('deleted' in record && record.deleted) {
    return { seq: record.seq, deleted: true, ...(record.by !== undefined ? { by: record.by } : {}) };
  }
  const message = record as Exclude<HistoryRecord, { deleted: true }>;
  return {
    seq: message.seq,
    id: message.id,
    content: message.content,
    userId: message.userId,
    username: message.username,
    time: new Date(message.sentAt).toISOString(),
    ...(message.clientMsgId !== undefined ? { clientMsgId: message.clientMsgId } : {}),
  };
}

/** A record as the frame a join's catch-up sends: a message, or a `messageDeleted`. */
export function replayFrame(
  room: string,
  epoch: string,
  record: HistoryRecord,
): MessageFrame | MessageDeletedFrame {
  const entry = toEntry(record);
  if ('deleted' in entry) {
    return {
      type: 'messageDeleted',
      room,
      seq: entry.seq,
      ...(entry.by !== undefined ? { by: entry.by } : {}),
      replayed: true,
    };
  }
  return { type: 'message', room, epoch, ...entry, replayed: true };
}

/** What a join with `since` replays, and whether that recovers everything after `since`. */
export interface CatchUp {
  readonly recovered: boolean;
  readonly records: readonly HistoryRecord[];
  readonly complete: boolean;
}

/**
 * The catch-up of a join: every stored record after `since`, at most `maxReplay`. `recovered` is false
 * when `epoch` is not the room's (it was deleted and created again) or `since` is past the retention;
 * then what is kept is replayed from the oldest kept number on.
 */
export async function catchUp(
  deps: HistoryDeps,
  room: string,
  sequence: RoomSequence,
  since: number,
  epoch: string | undefined,
): Promise<CatchUp> {
  const limit = deps.historyRules.maxReplay;
  if (deps.historyRules.retentionMs <= 0)
    return { recovered: since >= sequence.seq, records: [], complete: true };
  const sameEpoch = epoch === undefined || epoch === sequence.epoch;
  if (sameEpoch && since >= sequence.seq) return { recovered: true, records: [], complete: true };
  const from = sameEpoch ? since : 0;
  const [oldest] = await deps.history.read(
    room,
    sequence.epoch,
    { after: from, before: sequence.seq + 1, limit: 1 },
    deps.now(),
  );
  // Anchored on a number known to be kept (`from` itself, or the room's first number): then every
  // number after it is kept too, and a missing one is a hole, not an expired message.
  const anchored =
    from === 0 ? oldest?.seq === 1 : (await deps.history.get(room, sequence.epoch, from)) !== undefined;
  const catchUpRun = (after: number) =>
    readForward(deps, room, sequence, after, limit, { pastYoungHoles: true });
  if (anchored) return { recovered: sameEpoch, ...(await catchUpRun(from)) };
  if (!oldest) {
    // Nothing kept after `from`: recovered only if the one number taken since is still in flight.
    const inFlight =
      sequence.seq - from <= 1 && deps.now() - sequence.seqAt < deps.historyRules.holeTimeoutMs;
    return { recovered: sameEpoch && inFlight, records: [], complete: true };
  }
  // Past the retention: replay what is kept, from the oldest kept number after `from`.
  return { recovered: false, ...(await catchUpRun(oldest.seq - 1)) };
}

/**
 * `history {room, before?, after?, limit?}`: members only; oldest first, contiguous, with `hasMore`
 * when more lie in the direction asked (before `before`, or after `after`; the latest page when
 * neither is given).
 */
export async function readHistory(
  deps: HistoryDeps,
  caller: { readonly connectionId: string },
  request: HistoryRequest,
): Promise<RequestOutcome> {
  const context = contextOf('history', request.room, request.requestId);
  if (deps.historyRules.retentionMs <= 0) {
    return fail(refusal(ErrorCode.HISTORY_DISABLED, 'this deployment keeps no message history', context));
  }
  const found = await findRoom(deps, { ...context, room: request.room });
  if (!found.success) return found;
  const membership = await deps.rooms.membershipOf(request.room, caller.connectionId);
  const readable = mayRead(found.data, membership !== undefined);
  if (!readable.success) return fail(policyError(readable.error, context));
  const sequence = await deps.history.sequence(request.room);
  if (!sequence)
    return fail(refusal(ErrorCode.ROOM_NOT_FOUND, `room "${request.room}" was deleted meanwhile`, context));

  const limit = request.limit ?? DEFAULT_HISTORY_PAGE;
  const page = await pageOf(deps, request.room, sequence, request, limit);
  await reply(deps, caller.connectionId, {
    type: 'history',
    room: request.room,
    epoch: sequence.epoch,
    messages: page.records.map(toEntry),
    hasMore: page.hasMore,
    ...(request.requestId !== undefined ? { requestId: request.requestId } : {}),
  });
  return ok(undefined);
}

async function pageOf(
  deps: HistoryDeps,
  room: string,
  sequence: RoomSequence,
  request: HistoryRequest,
  limit: number,
): Promise<{ records: readonly HistoryRecord[]; hasMore: boolean }> {
  const top = Math.min(request.before ?? sequence.seq + 1, sequence.seq + 1);
  if (request.after !== undefined) {
    // Forward from `after`: anchored on `after` itself, which the client saw.
    const run = await readForward(deps, room, { ...sequence, seq: top - 1 }, request.after, limit);
    const last = run.records.at(-1)?.seq ?? request.after;
    return { records: run.records, hasMore: !run.complete || last < top - 1 };
  }
  // Backward from `top`: the last `limit` kept records below it, made contiguous from the first of them.
  const tail = await deps.history.read(
    room,
    sequence.epoch,
    { after: 0, before: top, limit, fromEnd: true },
    deps.now(),
  );
  const first = tail[0];
  if (!first) return { records: [], hasMore: false };
  const run = await readForward(deps, room, { ...sequence, seq: top - 1 }, first.seq - 1, limit);
  const older = await deps.history.read(
    room,
    sequence.epoch,
    { after: 0, before: first.seq, limit: 1, fromEnd: true },
    deps.now(),
  );
  // More to come either way: older records, or newer ones behind a hole that is still young.
  return { records: run.records, hasMore: older.length > 0 || !run.complete };
}
