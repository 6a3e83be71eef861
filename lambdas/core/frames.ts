/**
 * The server → client wire protocol. Every JSON frame has a `type`; builders here are the only place
 * frames are shaped, so the README's protocol table and the code cannot disagree.
 */
import type { ErrorCode } from './error-codes.ts';
import type { Identity } from './identity.ts';
import type { ProtocolError } from './protocol.ts';

export interface WelcomeFrame {
  readonly type: 'welcome';
  readonly message: string;
  readonly connectionId: string;
  readonly userId: string;
  readonly username: string;
  readonly groups: readonly string[];
  /** ISO time at which the connection's token expires. */
  readonly tokenExpiresAt: string;
  readonly time: string;
}

export interface MembershipFrame {
  readonly type: 'joined' | 'left';
  readonly room: string;
  readonly username: string;
  readonly userId: string;
  readonly time: string;
}

export interface MessageFrame {
  readonly type: 'message';
  readonly room: string;
  readonly id: string;
  readonly content: string;
  readonly username: string;
  readonly userId: string;
  readonly time: string;
}

export interface PongFrame {
  readonly type: 'pong';
  readonly time: string;
  readonly requestId?: string;
}

export interface ErrorFrame {
  readonly type: 'error';
  readonly code: ErrorCode;
  readonly message: string;
  readonly action?: string;
  readonly requestId?: string;
  readonly retryAfter?: number;
  readonly reason?: string;
}

/** The connection's token now expires later. */
export interface ReauthenticatedFrame {
  readonly type: 'reauthenticated';
  readonly expiresAt: string;
  readonly requestId?: string;
}

/** The token expires soon: send `reauth` before `closesAt` or the connection is closed. */
export interface ReauthRequiredFrame {
  readonly type: 'reauth_required';
  readonly expiresAt: string;
  readonly closesAt: string;
}

export type ServerFrame =
  | WelcomeFrame
  | MembershipFrame
  | MessageFrame
  | PongFrame
  | ErrorFrame
  | ReauthenticatedFrame
  | ReauthRequiredFrame;

const iso = (epochMs: number) => new Date(epochMs).toISOString();

export function welcomeFrame(connectionId: string, identity: Identity, now: number): WelcomeFrame {
  return {
    type: 'welcome',
    message: `Welcome, ${identity.username}!`,
    connectionId,
    userId: identity.userId,
    username: identity.username,
    groups: identity.groups,
    tokenExpiresAt: iso(identity.tokenExpiresAt * 1000),
    time: iso(now),
  };
}

export function membershipFrame(
  type: 'joined' | 'left',
  room: string,
  who: Pick<Identity, 'userId' | 'username'>,
  now: number,
): MembershipFrame {
  return { type, room, username: who.username, userId: who.userId, time: iso(now) };
}

export function messageFrame(
  room: string,
  id: string,
  content: string,
  sender: Pick<Identity, 'userId' | 'username'>,
  now: number,
): MessageFrame {
  return {
    type: 'message',
    room,
    id,
    content,
    username: sender.username,
    userId: sender.userId,
    time: iso(now),
  };
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
    ...(error.retryAfter !== undefined ? { retryAfter: error.retryAfter } : {}),
    ...(error.reason !== undefined ? { reason: error.reason } : {}),
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

/** Serialises once; broadcasts reuse the bytes for every recipient. */
export function encodeFrame(frame: ServerFrame): Uint8Array {
  return Buffer.from(JSON.stringify(frame), 'utf8');
}
