/**
 * What travels on the fan-out queues, server to server (clients never see these shapes).
 *
 * - A **publication** goes to a room's sequencer, in the room's own FIFO group: a message someone sent
 *   (numbered, stored, acknowledged and fanned out there, in the order the queue gives them) or a frame
 *   for the room's members (a join notice, a deletion …), fanned out in the same order.
 * - A **shard delivery** carries the frames of one or more publications, in order, to one shard of a
 *   large room's members (member-shards.ts); each room and shard is its own FIFO group.
 *
 * Bodies are parsed as untrusted all the same: a malformed one is reported, never half-processed.
 */
import { MEMBER_SHARDS } from './member-shards.ts';
import { fail, ok, type Result } from './result.ts';

/** A message to number, store, acknowledge and fan out. The sender is the stored connection. */
export interface MessagePublication {
  readonly kind: 'message';
  readonly room: string;
  /** The epoch the sender's membership belongs to: a message never lands in a room created since. */
  readonly epoch: string;
  /** The message's id, chosen when it was sent: a retried publication finds its own message by it. */
  readonly id: string;
  readonly sender: {
    readonly connectionId: string;
    readonly userId: string;
    readonly username: string;
    readonly groups: readonly string[];
  };
  readonly content: string;
  readonly clientMsgId?: string;
  readonly requestId?: string;
  /** Epoch milliseconds at which API Gateway received the send: its time, and what the room rate meters. */
  readonly receivedAt: number;
}

/**
 * A frame, already encoded, for every member of the room but `exclude`; or, with `recipients`, for
 * those connections only (a deleted room's former members, who are no longer in its member list).
 */
export interface FramePublication {
  readonly kind: 'frame';
  readonly room: string;
  readonly frame: string;
  readonly exclude?: string;
  readonly recipients?: readonly string[];
}

export type RoomPublication = MessagePublication | FramePublication;

/** A queue message as the consumer sees it: its id and how many times it has been received. */
export interface Queued<T> {
  readonly id: string;
  readonly receiveCount: number;
  readonly value: T;
}

/** One frame of a delivery, for every recipient but `exclude`. */
export interface OutgoingFrame {
  readonly data: string;
  readonly exclude?: string;
}

export interface ShardDelivery {
  readonly room: string;
  readonly shard: number;
  readonly frames: readonly OutgoingFrame[];
}

export function encodePublication(publication: RoomPublication): string {
  return JSON.stringify(publication);
}

export function encodeShardDelivery(delivery: ShardDelivery): string {
  return JSON.stringify(delivery);
}

/** A body that is not what this module writes. */
export interface MalformedBody {
  readonly problem: string;
}

type Fields = Record<string, unknown>;

const isString = (value: unknown): value is string => typeof value === 'string';
const isOptionalString = (value: unknown) => value === undefined || isString(value);

function parseObject(body: string): Fields | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Fields)
      : undefined;
  } catch {
    return undefined;
  }
}

export function parsePublication(body: string): Result<RoomPublication, MalformedBody> {
  const fields = parseObject(body);
  if (!fields) return fail({ problem: 'the body is not a JSON object' });
  if (!isString(fields.room) || fields.room === '')
    return fail({ problem: 'room must be a non-empty string' });
  if (fields.kind === 'frame') {
    if (!isString(fields.frame)) return fail({ problem: 'frame must be a string' });
    if (!isOptionalString(fields.exclude)) return fail({ problem: 'exclude must be a string' });
    if (
      fields.recipients !== undefined &&
      !(Array.isArray(fields.recipients) && fields.recipients.every(isString))
    ) {
      return fail({ problem: 'recipients must be a list of connection ids' });
    }
    return ok(fields as unknown as FramePublication);
  }
  if (fields.kind !== 'message')
    return fail({ problem: `kind must be "message" or "frame", got ${String(fields.kind)}` });
  const sender = fields.sender as Fields | undefined;
  if (
    typeof sender !== 'object' ||
    sender === null ||
    !isString(sender.connectionId) ||
    !isString(sender.userId) ||
    !isString(sender.username) ||
    !Array.isArray(sender.groups) ||
    !sender.groups.every(isString)
  ) {
    return fail({ problem: 'sender must have connectionId, userId, username and groups' });
  }
  if (!isString(fields.epoch) || !isString(fields.id))
    return fail({ problem: 'epoch and id must be strings' });
  if (!isString(fields.content)) return fail({ problem: 'content must be a string' });
  if (!isOptionalString(fields.clientMsgId) || !isOptionalString(fields.requestId)) {
    return fail({ problem: 'clientMsgId and requestId must be strings when present' });
  }
  if (typeof fields.receivedAt !== 'number' || !Number.isFinite(fields.receivedAt)) {
    return fail({ problem: 'receivedAt must be a number' });
  }
  return ok(fields as unknown as MessagePublication);
}

export function parseShardDelivery(body: string): Result<ShardDelivery, MalformedBody> {
  const fields = parseObject(body);
  if (!fields) return fail({ problem: 'the body is not a JSON object' });
  if (!isString(fields.room) || fields.room === '')
    return fail({ problem: 'room must be a non-empty string' });
  if (
    !Number.isInteger(fields.shard) ||
    (fields.shard as number) < 0 ||
    (fields.shard as number) >= MEMBER_SHARDS
  ) {
    return fail({ problem: `shard must be an integer from 0 to ${MEMBER_SHARDS - 1}` });
  }
  if (
    !Array.isArray(fields.frames) ||
    !fields.frames.every(
      (frame: unknown) =>
        typeof frame === 'object' &&
        frame !== null &&
        isString((frame as Fields).data) &&
        isOptionalString((frame as Fields).exclude),
    )
  ) {
    return fail({ problem: 'frames must be a list of {data, exclude?}' });
  }
  return ok(fields as unknown as ShardDelivery);
}
