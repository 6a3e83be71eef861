/**
 * Messages: `sendMessage` and `deleteMessage`, and the numbering a room's sequencer gives each message.
 *
 * The route checks the sender is in the room and queues the message for the room's sequencer
 * (room-sequencer.ts), which is the only writer of the room's numbers: it takes the next number (one
 * conditional update that also enforces the posting policy and the room's publish rate), records the
 * client's `clientMsgId` when there is one, stores the message under its number, acknowledges it to the
 * sender with `{id, seq}`, and fans it out — in the order it takes the numbers, so every member gets
 * the room's messages in `seq` order. A repeat of a `clientMsgId` creates nothing: its unused number is
 * filled with a tombstone and the sender gets the first send's ack again, so a client may retry blindly
 * and still deliver exactly once. The sender is the stored connection; nothing about them comes from
 * the request.
 */
import { ErrorCode } from './error-codes.ts';
import type { MessagePublication } from './fanout-publications.ts';
import { errorFrame, messageFrame } from './frames.ts';
import type { HistoryDeps } from './history.ts';
import type { ConnectionRecord, HistoryRecord, MessageRecord, RoomSequence, SentMessage } from './ports.ts';
import type { ProtocolError, RequestOutcome } from './protocol.ts';
import { fail, ok, type Result } from './result.ts';
import { mayDeleteMessage, mayPost, mayRead, noStanding, postsWithoutStanding } from './room-policy.ts';
import { publishToRoom } from './room-publishing.ts';
import { actorOf, contextOf, findRoom, policyError, type RequestContext, refusal, reply } from './rooms.ts';
import type { DeleteMessageRequest, MessageFrame, SendMessageRequest } from './wire.ts';

const done: RequestOutcome = ok(undefined);

/** The route's part: the sender must be in the room; the room's sequencer does the rest. */
export async function sendMessage(
  deps: HistoryDeps,
  caller: ConnectionRecord,
  request: SendMessageRequest,
  receivedAt: number,
): Promise<RequestOutcome> {
  const context = { ...contextOf('sendMessage', request.room, request.requestId), room: request.room };
  const membership = await deps.rooms.membershipOf(request.room, caller.connectionId);
  if (!membership) return notInRoom(deps, context);
  await deps.publications.publish([
    {
      kind: 'message',
      room: request.room,
      epoch: membership.epoch,
      id: deps.newMessageId(),
      sender: {
        connectionId: caller.connectionId,
        userId: caller.userId,
        username: caller.username,
        groups: caller.groups,
      },
      content: request.content,
      receivedAt,
      ...(request.clientMsgId !== undefined ? { clientMsgId: request.clientMsgId } : {}),
      ...(request.requestId !== undefined ? { requestId: request.requestId } : {}),
    },
  ]);
  return done;
}

/** What the sequencer made of one message: the frame to fan out (none when refused) and the room's state. */
export interface Sequenced {
  readonly frame?: MessageFrame;
  readonly sequence?: RoomSequence;
}

/**
 * The sequencer's part for one message. `earlier` holds the room's latest records when this
 * publication was received before (its batch was given back): a message already stored under a number
 * is acknowledged and fanned out again, never numbered twice.
 */
export async function sequenceMessage(
  deps: HistoryDeps,
  publication: MessagePublication,
  earlier: readonly HistoryRecord[] | undefined,
): Promise<Sequenced> {
  const { room, sender } = publication;
  const context = { ...contextOf('sendMessage', room, publication.requestId), room };
  const stored = earlier?.find(
    (record): record is MessageRecord => 'id' in record && record.id === publication.id,
  );
  if (stored) {
    await acknowledge(deps, publication, publication.epoch, stored, false);
    return { frame: frameOf(room, publication.epoch, stored) };
  }

  const numbered = await takeNumber(deps, publication, context);
  if (!numbered.success) {
    await reply(deps, sender.connectionId, errorFrame(numbered.error));
    return {};
  }
  const sequence = numbered.data;
  const { seq, epoch } = sequence;
  const message: MessageRecord = {
    seq,
    id: publication.id,
    content: publication.content,
    userId: sender.userId,
    username: sender.username,
    sentAt: publication.receivedAt,
    ...(publication.clientMsgId !== undefined ? { clientMsgId: publication.clientMsgId } : {}),
  };

  if (publication.clientMsgId !== undefined) {
    const recorded = await deps.history.recordSent(
      room,
      epoch,
      sender.userId,
      publication.clientMsgId,
      { seq, id: message.id, sentAt: message.sentAt },
      deps.now(),
    );
    if (!recorded.success)
      return { ...(await repeatSend(deps, publication, epoch, seq, recorded.error, message)), sequence };
  }
  if (deps.historyRules.retentionMs > 0 && (await deps.history.store(room, epoch, message)) === 'taken') {
    // This send outlived the hole timeout and its number was filled: give the client a clean retry.
    if (publication.clientMsgId !== undefined) {
      await deps.history.forgetSent(room, epoch, sender.userId, publication.clientMsgId);
    }
    deps.logger.error('a message lost its number before it could be stored', { room, seq });
    await reply(
      deps,
      sender.connectionId,
      errorFrame(refusal(ErrorCode.INTERNAL_ERROR, 'the message was not stored; send it again', context)),
    );
    return { sequence };
  }
  await acknowledge(deps, publication, epoch, { seq, id: message.id, sentAt: message.sentAt }, false);
  return { frame: frameOf(room, epoch, message), sequence };
}

/** Takes the room's next number, vouching for the sender in an announcement room only when asked. */
async function takeNumber(
  deps: HistoryDeps,
  publication: MessagePublication,
  context: RequestContext & { readonly room: string },
): Promise<Result<RoomSequence, ProtocolError>> {
  const { room, epoch, sender } = publication;
  const actor = actorOf(sender);
  // The room's rate meters when the sends arrived, so a backlog here is never charged to the room.
  const now = publication.receivedAt;
  let taken = await deps.history.nextNumber(room, epoch, {
    privileged: postsWithoutStanding({ posting: 'moderators' }, actor),
    now,
  });
  if (!taken.success && taken.error.reason === 'ModeratorsOnly') {
    // Only announcement rooms get here: read who may post there, and ask again on the sender's behalf.
    const found = await findRoom(deps, context);
    if (!found.success) return fail(found.error);
    const standing = await deps.directory.standingOf(room, sender.username);
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
 * A `clientMsgId` seen before: nothing new is created and this send's number is filled with a
 * tombstone. The first send is this very publication when its earlier attempt died between recording
 * and storing: its message is stored now under the first number. Another first send that died (its
 * message still missing after the hole timeout) is completed by this one, under its number.
 */
async function repeatSend(
  deps: HistoryDeps,
  publication: MessagePublication,
  epoch: string,
  unused: number,
  first: SentMessage,
  message: MessageRecord,
): Promise<Sequenced> {
  const { room } = publication;
  await deps.history.fillHole(room, epoch, unused, deps.now());
  const ours = first.id === publication.id;
  const firstDied = ours || deps.now() - first.sentAt >= deps.historyRules.holeTimeoutMs;
  if (firstDied && deps.historyRules.retentionMs > 0 && !(await deps.history.get(room, epoch, first.seq))) {
    const original: MessageRecord = { ...message, seq: first.seq, id: first.id, sentAt: first.sentAt };
    if ((await deps.history.store(room, epoch, original)) === 'stored') {
      await acknowledge(deps, publication, epoch, first, !ours);
      return { frame: frameOf(room, epoch, original) };
    }
  }
  await acknowledge(deps, publication, epoch, first, !ours);
  return {};
}

async function acknowledge(
  deps: HistoryDeps,
  publication: MessagePublication,
  epoch: string,
  sent: SentMessage,
  duplicate: boolean,
): Promise<void> {
  await reply(deps, publication.sender.connectionId, {
    type: 'ack',
    room: publication.room,
    id: sent.id,
    seq: sent.seq,
    epoch,
    ...(publication.clientMsgId !== undefined ? { clientMsgId: publication.clientMsgId } : {}),
    ...(publication.requestId !== undefined ? { requestId: publication.requestId } : {}),
    ...(duplicate ? { duplicate: true as const } : {}),
  });
}

function frameOf(room: string, epoch: string, message: MessageRecord): MessageFrame {
  return messageFrame(room, epoch, { ...message, time: message.sentAt });
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
  await publishToRoom(deps, request.room, frame, { exclude: caller.connectionId });
  return done;
}
