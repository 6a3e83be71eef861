/**
 * Messages: `sendMessage` and `deleteMessage`.
 *
 * A send takes the room's next number (one conditional update that also enforces the posting policy and
 * the room's publish rate), records the client's `clientMsgId` when there is one, stores the message
 * under its number, acknowledges it to the sender with `{id, seq}`, and fans it out. A repeat of a
 * `clientMsgId` creates nothing: its unused number is filled with a tombstone and the sender gets the
 * first send's ack again, so a client may retry blindly and still deliver exactly once. The sender is
 * the stored connection; nothing about them comes from the request.
 */
import { broadcastToRoom } from './broadcast.ts';
import { ErrorCode } from './error-codes.ts';
import type { HistoryDeps } from './history.ts';
import type { ConnectionRecord, MessageRecord, RoomSequence, SentMessage } from './ports.ts';
import { announceDepartures } from './presence.ts';
import type { ProtocolError, RequestOutcome } from './protocol.ts';
import { fail, ok, type Result } from './result.ts';
import { mayDeleteMessage, mayPost, mayRead, noStanding, postsWithoutStanding } from './room-policy.ts';
import { actorOf, contextOf, findRoom, policyError, type RequestContext, refusal, reply } from './rooms.ts';
import type { DeleteMessageRequest, MessageFrame, SendMessageRequest } from './wire.ts';

const done: RequestOutcome = ok(undefined);
const iso = (epochMs: number) => new Date(epochMs).toISOString();

export async function sendMessage(
  deps: HistoryDeps,
  caller: ConnectionRecord,
  request: SendMessageRequest,
): Promise<RequestOutcome> {
  const context = { ...contextOf('sendMessage', request.room, request.requestId), room: request.room };
  const membership = await deps.rooms.membershipOf(request.room, caller.connectionId);
  if (!membership) return notInRoom(deps, context);

  const numbered = await takeNumber(deps, caller, request.room, membership.epoch, context);
  if (!numbered.success) return numbered;
  const { seq, epoch } = numbered.data;
  const now = deps.now();
  const message: MessageRecord = {
    seq,
    id: deps.newMessageId(),
    content: request.content,
    userId: caller.userId,
    username: caller.username,
    sentAt: now,
    ...(request.clientMsgId !== undefined ? { clientMsgId: request.clientMsgId } : {}),
  };

  if (request.clientMsgId !== undefined) {
    const recorded = await deps.history.recordSent(
      request.room,
      epoch,
      caller.userId,
      request.clientMsgId,
      { seq, id: message.id, sentAt: now },
      now,
    );
    if (!recorded.success) return repeatSend(deps, caller, request, epoch, seq, recorded.error, message);
  }
  if (
    deps.historyRules.retentionMs > 0 &&
    (await deps.history.store(request.room, epoch, message)) === 'taken'
  ) {
    // This send outlived the hole timeout and its number was filled: give the client a clean retry.
    if (request.clientMsgId !== undefined) {
      await deps.history.forgetSent(request.room, epoch, caller.userId, request.clientMsgId);
    }
    deps.logger.error('a message lost its number before it could be stored', { room: request.room, seq });
    return fail(refusal(ErrorCode.INTERNAL_ERROR, 'the message was not stored; send it again', context));
  }
  await acknowledge(deps, caller, request, epoch, { seq, id: message.id, sentAt: now }, false);
  await fanOut(deps, request.room, epoch, message);
  return done;
}

/** Takes the room's next number, vouching for the caller in an announcement room only when asked. */
async function takeNumber(
  deps: HistoryDeps,
  caller: ConnectionRecord,
  room: string,
  epoch: string,
  context: RequestContext,
): Promise<Result<RoomSequence, ProtocolError>> {
  const actor = actorOf(caller);
  const now = deps.now();
  let taken = await deps.history.nextNumber(room, epoch, {
    privileged: postsWithoutStanding({ posting: 'moderators' }, actor),
    now,
  });
  if (!taken.success && taken.error.reason === 'ModeratorsOnly') {
    // Only announcement rooms get here: read who may post there, and ask again on the caller's behalf.
    const found = await findRoom(deps, { ...context, room });
    if (!found.success) return fail(found.error);
    const standing = await deps.directory.standingOf(room, caller.username);
    const decision = mayPost(found.data, actor, standing, true);
    if (!decision.success) return fail(policyError(decision.error, context));
    taken = await deps.history.nextNumber(room, epoch, { privileged: true, now });
  }
  if (taken.success) return taken;
  switch (taken.error.reason) {
    case 'RoomBusy':
      return fail({
        ...refusal(
          ErrorCode.ROOM_BUSY,
          `room "${room}" is receiving messages faster than it can keep them in order; retry after ${taken.error.retryAfterMs} ms`,
          context,
        ),
        retryAfter: taken.error.retryAfterMs,
      });
    case 'RoomChanged':
      return fail(refusal(ErrorCode.ROOM_NOT_FOUND, `room "${room}" was deleted; join it again`, context));
    case 'ModeratorsOnly':
      return fail(
        refusal(ErrorCode.FORBIDDEN, 'only the owner and moderators post in this announcement room', context),
      );
  }
}

/**
 * A `clientMsgId` seen before: nothing new is created. This send's number is filled with a tombstone.
 * A first send that is still on its way stores its own message; one that died (its message is still
 * missing after the hole timeout) is completed by this one, under the first send's number.
 */
async function repeatSend(
  deps: HistoryDeps,
  caller: ConnectionRecord,
  request: SendMessageRequest,
  epoch: string,
  unused: number,
  first: SentMessage,
  message: MessageRecord,
): Promise<RequestOutcome> {
  await deps.history.fillHole(request.room, epoch, unused, deps.now());
  const firstDied = deps.now() - first.sentAt >= deps.historyRules.holeTimeoutMs;
  if (
    firstDied &&
    deps.historyRules.retentionMs > 0 &&
    !(await deps.history.get(request.room, epoch, first.seq))
  ) {
    const original: MessageRecord = { ...message, seq: first.seq, id: first.id };
    if ((await deps.history.store(request.room, epoch, original)) === 'stored') {
      await acknowledge(deps, caller, request, epoch, first, true);
      await fanOut(deps, request.room, epoch, original);
      return done;
    }
  }
  await acknowledge(deps, caller, request, epoch, first, true);
  return done;
}

async function acknowledge(
  deps: HistoryDeps,
  caller: ConnectionRecord,
  request: SendMessageRequest,
  epoch: string,
  sent: SentMessage,
  duplicate: boolean,
): Promise<void> {
  await reply(deps, caller.connectionId, {
    type: 'ack',
    room: request.room,
    id: sent.id,
    seq: sent.seq,
    epoch,
    ...(request.clientMsgId !== undefined ? { clientMsgId: request.clientMsgId } : {}),
    ...(request.requestId !== undefined ? { requestId: request.requestId } : {}),
    ...(duplicate ? { duplicate: true as const } : {}),
  });
}

async function fanOut(deps: HistoryDeps, room: string, epoch: string, message: MessageRecord): Promise<void> {
  const frame: MessageFrame = {
    type: 'message',
    room,
    epoch,
    seq: message.seq,
    id: message.id,
    content: message.content,
    userId: message.userId,
    username: message.username,
    time: iso(message.sentAt),
    ...(message.clientMsgId !== undefined ? { clientMsgId: message.clientMsgId } : {}),
  };
  const report = await broadcastToRoom(deps, room, frame);
  await announceDepartures(deps, report.gone);
}

/** The caller is not in the room: NOT_A_MEMBER, and for a private room no more than FORBIDDEN. */
async function notInRoom(
  deps: HistoryDeps,
  context: RequestContext & { readonly room: string },
): Promise<RequestOutcome> {
  const found = await findRoom(deps, context);
  if (!found.success) return found;
  const readable = mayRead(found.data, false);
  return readable.success ? done : fail(policyError(readable.error, context));
}

/** Deletes a message: its sender within the window, or a moderator; members hear `messageDeleted`. */
export async function deleteMessage(
  deps: HistoryDeps,
  caller: ConnectionRecord,
  request: DeleteMessageRequest,
): Promise<RequestOutcome> {
  const context = { ...contextOf('deleteMessage', request.room, request.requestId), room: request.room };
  const membership = await deps.rooms.membershipOf(request.room, caller.connectionId);
  if (!membership) return notInRoom(deps, context);
  const record =
    deps.historyRules.retentionMs > 0
      ? await deps.history.get(request.room, membership.epoch, request.seq)
      : undefined;
  if (!record || 'deleted' in record) {
    return fail(
      refusal(ErrorCode.MESSAGE_NOT_FOUND, `room "${request.room}" has no message ${request.seq}`, context),
    );
  }
  const found = await findRoom(deps, context);
  if (!found.success) return found;
  const actor = actorOf(caller);
  const standing = postsWithoutStanding({ posting: 'moderators' }, actor)
    ? noStanding
    : await deps.directory.standingOf(request.room, caller.username);
  const decision = mayDeleteMessage(
    found.data,
    actor,
    standing,
    { username: record.username, sentAt: record.sentAt },
    deps.now(),
    deps.historyRules.deleteOwnWindowMs,
  );
  if (!decision.success) return fail(policyError(decision.error, context));
  if (
    (await deps.history.markDeleted(request.room, membership.epoch, request.seq, caller.username)) ===
    'absent'
  ) {
    return fail(
      refusal(ErrorCode.MESSAGE_NOT_FOUND, `message ${request.seq} was deleted meanwhile`, context),
    );
  }
  const frame = {
    type: 'messageDeleted' as const,
    room: request.room,
    seq: request.seq,
    by: caller.username,
  };
  await reply(deps, caller.connectionId, {
    ...frame,
    ...(request.requestId !== undefined ? { requestId: request.requestId } : {}),
  });
  const report = await broadcastToRoom(deps, request.room, frame, { exclude: caller.connectionId });
  await announceDepartures(deps, report.gone);
  return done;
}
