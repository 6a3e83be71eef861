/**
 * One-time connection tickets: `POST /ticket` trades a bearer token for a short ticket, and `?ticket=`
 * on the WebSocket URL (or `reauth { ticket }` on a live connection) redeems it exactly once. The
 * long-lived token never appears in a URL (URLs end up in proxy logs, browser history and console
 * errors); the ticket that does is useless a few seconds later, and useless at once after its one use.
 *
 * A ticket is self-authenticating, so a forged or stale one is refused without touching the table:
 *
 *   base64url( expiresAt (4 bytes, epoch seconds, big-endian) | nonce (12 random bytes) | tag (16 bytes) )
 *
 * 32 bytes, 43 characters. `tag` is HMAC-SHA256 over the first 16 bytes, under a key that only the
 * ticket function, the authorizer and `reauth` hold, truncated to 128 bits (NIST SP 800-107 §5.3.4
 * allows truncation; 2^-128 per forgery attempt). Checking it costs one HMAC; only a ticket that passes
 * reaches the store, whose conditional delete makes it single-use. The store keeps only the SHA-256 of
 * a ticket, so a table read does not yield usable tickets. A ticket never outlives the token it was
 * issued for.
 */
import { createHash, createHmac, type KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Identity } from './identity.ts';
import type { Clock, TicketStore } from './ports.ts';
import { fail, ok, type Result } from './result.ts';

/** 32 bytes in unpadded base64url. */
export const ticketPattern = /^[A-Za-z0-9_-]{43}$/;

const expiryBytes = 4;
const nonceBytes = 12;
const tagBytes = 16;
const sealedBytes = expiryBytes + nonceBytes;

/** The HMAC key tickets are sealed with: at least 256 bits, shared by whoever issues or redeems them. */
export type TicketKey = KeyObject;

/** The shortest key accepted, in bytes. */
export const minTicketKeyBytes = 32;

/**
 * Where a redeemer gets the key: asked only when a ticket is presented, so a key that cannot be read
 * (Secrets Manager unreachable) fails tickets alone, never tokens. Implementations read it once and keep
 * it, and try again after a failure.
 */
export type TicketKeySource = () => Promise<TicketKey>;

/** What the store keys a ticket by: the hex SHA-256 of its text. */
export function ticketDigest(ticket: string): string {
  return createHash('sha256').update(ticket, 'utf8').digest('hex');
}

export function isWellFormedTicket(value: string): boolean {
  return ticketPattern.test(value);
}

/** A ticket valid until `expiresAt` (epoch seconds), sealed under `key`. */
export function sealTicket(
  key: TicketKey,
  expiresAt: number,
  nonce: Uint8Array = randomBytes(nonceBytes),
): string {
  if (nonce.length !== nonceBytes)
    throw new RangeError(`a ticket nonce is ${nonceBytes} bytes, got ${nonce.length}`);
  const sealed = Buffer.alloc(sealedBytes);
  sealed.writeUInt32BE(expiresAt, 0);
  sealed.set(nonce, expiryBytes);
  return Buffer.concat([sealed, tagOf(key, sealed)]).toString('base64url');
}

/**
 * Why a ticket is refused. The first three are decided by the ticket alone, without I/O; `TicketSpent`
 * by the store (already redeemed, or never stored because issuing it failed).
 */
export type TicketRejection = 'TicketMalformed' | 'TicketForged' | 'TicketExpired' | 'TicketSpent';

/** The cheap checks, in order of cost: shape, tag, expiry. Returns the sealed expiry (epoch seconds). */
export function checkTicket(
  key: TicketKey,
  ticket: string,
  nowSeconds: number,
): Result<number, Exclude<TicketRejection, 'TicketSpent'>> {
  if (!isWellFormedTicket(ticket)) return fail('TicketMalformed');
  const bytes = Buffer.from(ticket, 'base64url');
  // 43 base64url characters carry 258 bits; the last two must be zero in a canonical encoding, or two
  // spellings would name one ticket.
  if (bytes.length !== sealedBytes + tagBytes || bytes.toString('base64url') !== ticket) {
    return fail('TicketMalformed');
  }
  const sealed = bytes.subarray(0, sealedBytes);
  if (!timingSafeEqual(bytes.subarray(sealedBytes), tagOf(key, sealed))) return fail('TicketForged');
  const expiresAt = sealed.readUInt32BE(0);
  return expiresAt > nowSeconds ? ok(expiresAt) : fail('TicketExpired');
}

function tagOf(key: TicketKey, sealed: Uint8Array): Buffer {
  return createHmac('sha256', key).update(sealed).digest().subarray(0, tagBytes);
}

export interface IssuedTicket {
  readonly ticket: string;
  /** Seconds the ticket stays redeemable. */
  readonly expiresIn: number;
}

/** Who issues and redeems tickets: the store that makes them single-use, and the key that seals them. */
export interface TicketDeps {
  readonly tickets: TicketStore;
  readonly ticketKey: TicketKey;
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
  const now = deps.now();
  const left = identity.tokenExpiresAt - Math.floor(now / 1000);
  const expiresIn = Math.min(ttlSeconds, left);
  if (expiresIn < 1) return fail('TokenExpiring');
  const validUntil = now + expiresIn * 1000;
  // The sealed expiry is whole seconds, rounded up; the store's `validUntil` keeps the exact limit.
  const ticket = sealTicket(deps.ticketKey, Math.ceil(validUntil / 1000));
  await deps.tickets.save(ticket, identity, validUntil);
  return ok({ ticket, expiresIn });
}

/**
 * Redeems a ticket: the identity it was issued for, once. Malformed, forged and expired tickets are
 * refused without a store call; a sealed ticket that is no longer stored is refused by the store's
 * conditional delete. Store failures are thrown.
 */
export async function redeemConnectionTicket(
  deps: TicketDeps,
  ticket: string,
): Promise<Result<Identity, TicketRejection>> {
  const checked = checkTicket(deps.ticketKey, ticket, Math.floor(deps.now() / 1000));
  if (!checked.success) return checked;
  const identity = await deps.tickets.redeem(ticket);
  return identity ? ok(identity) : fail('TicketSpent');
}
