/**
 * Builders of server → client frames (their types are in wire.ts). Frames that many places send are
 * shaped here once, so the README's protocol table and the code cannot disagree. Browser-safe.
 */
import type { Identity } from './identity.ts';
import type { ProtocolError } from './protocol.ts';
import type {
  ClosingFrame,
  ErrorFrame,
  GlobalRole,
  JoinedFrame,
  LeftFrame,
  MessageFrame,
  PongFrame,
  ReauthenticatedFrame,
  ReauthRequiredFrame,
  ServerFrame,
  WelcomeFrame,
} from './wire.ts';

export type { ServerFrame } from './wire.ts';

const iso = (epochMs: number) => new Date(epochMs).toISOString();

export function welcomeFrame(connectionId: string, identity: Identity, now: number): WelcomeFrame {
  return {
    type: 'welcome',
    message: `Welcome, ${identity.username}!`,
    connectionId,
    userId: identity.userId,
    username: identity.username,
    groups: identity.groups,
    roles: globalRolesOf(identity.groups),
    tokenExpiresAt: iso(identity.tokenExpiresAt * 1000),
    time: iso(now),
  };
}

/** The groups Parley gives meaning to, in a fixed order; every other group is ignored. */
export function globalRolesOf(groups: readonly string[]): GlobalRole[] {
  return (['admin', 'moderator'] as const).filter((role) => groups.includes(role));
}

export function membershipFrame(
  type: 'joined' | 'left',
  room: string,
  who: Pick<Identity, 'userId' | 'username'>,
  now: number,
): JoinedFrame | LeftFrame {
  return { type, room, username: who.username, userId: who.userId, time: iso(now) };
}

export function messageFrame(
  room: string,
  epoch: string,
  stored: Omit<MessageFrame, 'type' | 'room' | 'epoch' | 'time'> & { readonly time: number },
): MessageFrame {
  return {
    type: 'message',
    room,
    epoch,
    seq: stored.seq,
    id: stored.id,
    content: stored.content,
    username: stored.username,
    userId: stored.userId,
    time: iso(stored.time),
    ...(stored.clientMsgId !== undefined ? { clientMsgId: stored.clientMsgId } : {}),
  };
}

export function closingFrame(close: Omit<ClosingFrame, 'type'>): ClosingFrame {
  return { type: 'closing', code: close.code, reason: close.reason, reconnect: close.reconnect };
}

export function pongFrame(now: number, requestId?: string): PongFrame {
  return { type: 'pong', time: iso(now), ...(requestId !== undefined ? { requestId } : {}) };
}

export function errorFrame(error: ProtocolError): ErrorFrame {
  return {
    type: 'error',
    code: error.code,
    message: error.message,
    ...(error.action !== undefined ? { action: error.action } : {}),
    ...(error.requestId !== undefined ? { requestId: error.requestId } : {}),
    ...(error.room !== undefined ? { room: error.room } : {}),
    ...(error.retryAfter !== undefined ? { retryAfter: error.retryAfter } : {}),
    ...(error.reason !== undefined ? { reason: error.reason } : {}),
    ...(error.until !== undefined ? { until: error.until } : {}),
  };
}

export function reauthenticatedFrame(tokenExpiresAt: number, requestId?: string): ReauthenticatedFrame {
  return {
    type: 'reauthenticated',
    expiresAt: iso(tokenExpiresAt * 1000),
    ...(requestId !== undefined ? { requestId } : {}),
  };
}

export function reauthRequiredFrame(tokenExpiresAt: number, graceSeconds: number): ReauthRequiredFrame {
  return {
    type: 'reauth_required',
    expiresAt: iso(tokenExpiresAt * 1000),
    closesAt: iso((tokenExpiresAt + graceSeconds) * 1000),
  };
}

/** The tutorial's echo line, sent back as plain text to a plain-text frame. */
export function echoText(sender: Pick<Identity, 'userId' | 'username'>, text: string): string {
  return `User ${sender.username} (ID: ${sender.userId}) sent: ${text}`;
}

const utf8 = new TextEncoder();

/** Serialises once; broadcasts reuse the bytes for every recipient. */
export function encodeFrame(frame: ServerFrame): Uint8Array {
  return utf8.encode(frameText(frame));
}

/** The frame as the text a client receives (what queues carry). */
export function frameText(frame: ServerFrame): string {
  return JSON.stringify(frame);
}
