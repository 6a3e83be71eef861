import { describe, expect, it, vi } from 'vitest';
import {
  checkTicket,
  issueConnectionTicket,
  redeemConnectionTicket,
  sealTicket,
  ticketPattern,
} from '../../lambdas/core/connection-tickets.ts';
import type { Identity } from '../../lambdas/core/identity.ts';
import type { TicketStore } from '../../lambdas/core/ports.ts';
import { sealedTicket, strangerTicketKey, testTicketKey } from '../fixtures/tickets.ts';

const nowSeconds = 1_800_000_000;
const now = nowSeconds * 1000;
const identity: Identity = {
  userId: 'u-1',
  username: 'alice',
  groups: [],
  tokenExpiresAt: nowSeconds + 3600,
};

/** A store that records what it is asked, so tests can tell whether a ticket reached it at all. */
function recordingStore(redeemed: Identity | 'nothing' = identity) {
  return {
    save: vi.fn<TicketStore['save']>(async () => undefined),
    redeem: vi.fn<TicketStore['redeem']>(async () => (redeemed === 'nothing' ? undefined : redeemed)),
  };
}

/** Flips one bit of the decoded ticket at `byte` and encodes it again. */
function flipBit(ticket: string, byte: number): string {
  const bytes = Buffer.from(ticket, 'base64url');
  bytes[byte] = (bytes[byte] ?? 0) ^ 0x01;
  return bytes.toString('base64url');
}

const base64url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The same 32 bytes with one of the two padding bits of the last character set: decodes identically. */
function nonCanonical(ticket: string): string {
  const last = base64url.indexOf(ticket.charAt(42));
  return `${ticket.slice(0, 42)}${base64url.charAt(last | 1)}`;
}

describe('sealed tickets', () => {
  it('are 43 base64url characters that carry their expiry', () => {
    // Act
    const ticket = sealTicket(testTicketKey, nowSeconds + 30);

    // Assess
    expect(ticket).toMatch(ticketPattern);
    expect(checkTicket(testTicketKey, ticket, nowSeconds)).toEqual({ success: true, data: nowSeconds + 30 });
  });

  it('differ every time, even with the same expiry', () => {
    // Act
    const tickets = new Set(Array.from({ length: 50 }, () => sealTicket(testTicketKey, nowSeconds + 30)));

    // Assess
    expect(tickets.size).toBe(50);
  });

  it.each([
    ['the wrong length', 'TicketMalformed', 'A'.repeat(42)],
    ['a character outside base64url', 'TicketMalformed', `${'A'.repeat(42)}+`],
    ['a non-canonical spelling of a sealed ticket', 'TicketMalformed', ''],
    ['a well-formed random value', 'TicketForged', 'A'.repeat(43)],
    ['a ticket sealed under another key', 'TicketForged', 'stranger'],
    ['a changed expiry', 'TicketForged', 'expiry'],
    ['a changed nonce', 'TicketForged', 'nonce'],
    ['a changed tag', 'TicketForged', 'tag'],
    ['an expired ticket', 'TicketExpired', 'expired'],
  ])('refuses %s as %s', (_case, reason, input) => {
    // Prepare
    const valid = sealedTicket(nowSeconds + 30);
    const ticket =
      {
        '': nonCanonical(valid),
        stranger: sealedTicket(nowSeconds + 30, strangerTicketKey),
        expiry: flipBit(valid, 3),
        nonce: flipBit(valid, 10),
        tag: flipBit(valid, 20),
        expired: sealedTicket(nowSeconds),
      }[input] ?? input;

    // Act
    const checked = checkTicket(testTicketKey, ticket, nowSeconds);

    // Assess
    expect(checked).toEqual({ success: false, error: reason });
  });
});

describe('redeemConnectionTicket', () => {
  it.each([
    ['a forged ticket', () => 'A'.repeat(43), 'TicketForged'],
    ['a ticket of another key', () => sealedTicket(nowSeconds + 30, strangerTicketKey), 'TicketForged'],
    ['an expired ticket', () => sealedTicket(nowSeconds - 1), 'TicketExpired'],
    ['a malformed ticket', () => 'short', 'TicketMalformed'],
  ])('refuses %s without touching the store', async (_case, makeTicket, reason) => {
    // Prepare
    const tickets = recordingStore();

    // Act
    const redeemed = await redeemConnectionTicket(
      { tickets, ticketKey: testTicketKey, now: () => now },
      makeTicket(),
    );

    // Assess
    expect(redeemed).toEqual({ success: false, error: reason });
    expect(tickets.redeem).not.toHaveBeenCalled();
  });

  it('redeems a sealed, live ticket through the store (once)', async () => {
    // Prepare
    const tickets = recordingStore();
    const ticket = sealedTicket(nowSeconds + 30);

    // Act
    const redeemed = await redeemConnectionTicket(
      { tickets, ticketKey: testTicketKey, now: () => now },
      ticket,
    );

    // Assess
    expect(redeemed).toEqual({ success: true, data: identity });
    expect(tickets.redeem).toHaveBeenCalledExactlyOnceWith(ticket);
  });

  it('refuses a sealed ticket the store no longer holds as TicketSpent', async () => {
    // Prepare
    const tickets = recordingStore('nothing');

    // Act
    const redeemed = await redeemConnectionTicket(
      { tickets, ticketKey: testTicketKey, now: () => now },
      sealedTicket(nowSeconds + 30),
    );

    // Assess
    expect(redeemed).toEqual({ success: false, error: 'TicketSpent' });
  });
});

describe('issueConnectionTicket', () => {
  it('seals the expiry (rounded up) and stores the exact limit', async () => {
    // Prepare
    const tickets = recordingStore();

    // Act
    const issued = await issueConnectionTicket(
      { tickets, ticketKey: testTicketKey, now: () => now + 400 },
      identity,
      30,
    );

    // Assess
    if (!issued.success) throw new Error('not issued');
    expect(issued.data.expiresIn).toBe(30);
    expect(checkTicket(testTicketKey, issued.data.ticket, nowSeconds)).toEqual({
      success: true,
      data: nowSeconds + 31,
    });
    expect(tickets.save).toHaveBeenCalledExactlyOnceWith(issued.data.ticket, identity, now + 400 + 30_000);
  });

  it('never lets a ticket outlive its token, and refuses a token with under a second left', async () => {
    // Prepare
    const tickets = recordingStore();
    const expiring = { ...identity, tokenExpiresAt: nowSeconds + 5 };
    const expired = { ...identity, tokenExpiresAt: nowSeconds };

    // Act
    const short = await issueConnectionTicket(
      { tickets, ticketKey: testTicketKey, now: () => now },
      expiring,
      30,
    );
    const none = await issueConnectionTicket(
      { tickets, ticketKey: testTicketKey, now: () => now },
      expired,
      30,
    );

    // Assess
    expect(short).toMatchObject({ success: true, data: { expiresIn: 5 } });
    expect(none).toEqual({ success: false, error: 'TokenExpiring' });
    expect(tickets.save).toHaveBeenCalledTimes(1);
  });
});
