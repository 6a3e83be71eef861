/**
 * What every room use case shares: its dependencies, the caller as policy sees them, and the way a
 * refusal becomes an error frame. The use cases themselves live in membership.ts (join, leave),
 * room-admin.ts (create, update, delete, list), moderation.ts (invite … setRole), messages.ts (send)
 * and presence-list.ts (who is here). The caller is always the stored connection: its identity came
 * from the verified token at $connect; nothing about the sender is read from a request.
 */
import { ErrorCode } from './error-codes.ts';
import { encodeFrame } from './frames.ts';
import type { Identity } from './identity.ts';
import type { CreationLimiter, RoomRecord } from './ports.ts';
import type { PresenceDeps } from './presence.ts';
import type { ProtocolError } from './protocol.ts';
import { fail, ok, type Result } from './result.ts';
import type { Actor, PolicyRefusal } from './room-policy.ts';
import type { GlobalRole, PostingPolicy, RoomVisibility, ServerFrame } from './wire.ts';

export interface RoomDeps extends PresenceDeps {
  readonly creations: CreationLimiter;
  readonly newMessageId: () => string;
  /** A fresh epoch for a room created now: unique, so a recreated room never reuses old numbers. */
  readonly newEpoch: () => string;
}

/** Where an error frame points: the action, the room, and the request it answers. */
export interface RequestContext {
  readonly action: string;
  readonly room?: string;
  readonly requestId?: string;
}

export function contextOf(action: string, room?: string, requestId?: string): RequestContext {
  return {
    action,
    ...(room !== undefined ? { room } : {}),
    ...(requestId !== undefined ? { requestId } : {}),
  };
}

export function refusal(code: ErrorCode, message: string, context: RequestContext): ProtocolError {
  return { code, message, ...context };
}

/** A policy refusal as the error frame the caller gets (a ban's end as ISO time). */
export function policyError(refused: PolicyRefusal, context: RequestContext): ProtocolError {
  return {
    code: refused.code,
    message: refused.message,
    ...context,
    ...(refused.until !== undefined ? { until: new Date(refused.until).toISOString() } : {}),
  };
}

/** The caller as room policy sees them. */
export function actorOf(identity: Pick<Identity, 'username' | 'groups'>): Actor {
  const globalRoles = (['admin', 'moderator'] as const).filter((role): role is GlobalRole =>
    identity.groups.includes(role),
  );
  return { username: identity.username, globalRoles };
}

export function isAdmin(identity: Pick<Identity, 'groups'>): boolean {
  return identity.groups.includes('admin');
}

export async function reply(
  deps: Pick<RoomDeps, 'gateway'>,
  connectionId: string,
  frame: ServerFrame,
): Promise<void> {
  await deps.gateway.post(connectionId, encodeFrame(frame));
}

/** The room, or ROOM_NOT_FOUND for actions that never create one. */
export async function findRoom(
  deps: Pick<RoomDeps, 'directory'>,
  context: RequestContext & { readonly room: string },
): Promise<Result<RoomRecord, ProtocolError>> {
  const room = await deps.directory.describe(context.room);
  return room
    ? ok(room)
    : fail(refusal(ErrorCode.ROOM_NOT_FOUND, `there is no room "${context.room}"`, context));
}

export interface NewRoom {
  readonly room: string;
  readonly visibility: RoomVisibility;
  readonly posting: PostingPolicy;
  readonly title: string;
}

/**
 * Creates a room owned by the caller, within the caller's creation rate (`createRoom`, and `joinRoom`
 * of an unknown name). `exists` when the name is taken, with the room that holds it.
 */
export async function createRoomRecord(
  deps: RoomDeps,
  caller: Identity,
  spec: NewRoom,
  context: RequestContext,
): Promise<Result<RoomRecord, ProtocolError | { readonly exists: RoomRecord }>> {
  const now = deps.now();
  const admitted = await deps.creations.consume(caller.userId, now);
  if (!admitted.success) {
    return fail({
      ...refusal(
        ErrorCode.RATE_LIMITED,
        `you have created too many rooms lately; retry after ${admitted.error.retryAfterMs} ms`,
        context,
      ),
      retryAfter: admitted.error.retryAfterMs,
    });
  }
  const record: RoomRecord = {
    ...spec,
    owner: caller.username,
    epoch: deps.newEpoch(),
    members: 0,
    createdAt: now,
  };
  if ((await deps.directory.create(record)) === 'created') return ok(record);
  const existing = await deps.directory.describe(spec.room);
  if (existing) return fail({ exists: existing });
  // Deleted again between our attempt and the read: the name is free, so the caller may retry.
  return fail(refusal(ErrorCode.ROOM_NOT_FOUND, `room "${spec.room}" changed meanwhile; try again`, context));
}
