/**
 * One-time connection tickets: `POST /ticket` trades a bearer token for a short random ticket, and
 * `?ticket=` on the WebSocket URL redeems it for exactly one connection. The long-lived token never
 * appears in a URL (URLs end up in proxy logs, browser history and console errors); the ticket that
 * does is useless a few seconds later, and useless at once after its one use.
 *
 * A ticket is 32 random bytes in base64url (256 bits: unguessable). The store keeps only its SHA-256,
 * so a table read does not yield usable tickets. A ticket never outlives the token it was issued for.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Identity } from './identity.ts';
import type { Clock, TicketStore } from './ports.ts';
import { fail, ok, type Result } from './result.ts';

/** 32 bytes in unpadded base64url. */
export const ticketPattern = /^[A-Za-z0-9_-]{43}$/;

/** A fresh ticket. */
export function newTicket(): string {
  return randomBytes(32).toString('base64url');
}

/** What the store keys a ticket by: the hex SHA-256 of its text. */
export function ticketDigest(ticket: string): string {
  return createHash('sha256').update(ticket, 'utf8').digest('hex');
}

export function isWellFormedTicket(value: string): boolean {
  return ticketPattern.test(value);
}

export interface IssuedTicket {
  readonly ticket: string;
  /** Seconds the ticket stays redeemable. */
  readonly expiresIn: number;
}

export interface TicketDeps {
  readonly tickets: TicketStore;
  /** Epoch milliseconds. */
  readonly now: Clock;
}

/**
 * Issues a ticket for a verified identity, valid for `ttlSeconds` or until the token expires, whichever
 * comes first. `TokenExpiring` when the token has less than a second left.
 */
export async function issueConnectionTicket(
  deps: TicketDeps,
  identity: Identity,
  ttlSeconds: number,
): Promise<Result<IssuedTicket, 'TokenExpiring'>> {
  const left = identity.tokenExpiresAt - Math.floor(deps.now() / 1000);
  const expiresIn = Math.min(ttlSeconds, left);
  if (expiresIn < 1) return fail('TokenExpiring');
  const ticket = await deps.tickets.issue(identity, expiresIn);
  return ok({ ticket, expiresIn });
}

export type TicketRejection = 'TicketInvalid';

/**
 * Redeems a ticket: the identity it was issued for, once. A malformed ticket is refused without a
 * store call; an unknown, used or expired one is refused by the store's conditional delete.
 */
export async function redeemConnectionTicket(
  deps: Pick<TicketDeps, 'tickets'>,
  ticket: string,
): Promise<Result<Identity, TicketRejection>> {
  if (!isWellFormedTicket(ticket)) return fail('TicketInvalid');
  const identity = await deps.tickets.redeem(ticket);
  return identity ? ok(identity) : fail('TicketInvalid');
}
