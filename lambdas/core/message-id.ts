import { randomBytes } from 'node:crypto';

/**
 * ULID-style message ids: 48-bit millisecond time + 80 random bits in Crockford base32, so ids sort by
 * creation time (useful for history and catch-up) and never collide across Lambda instances.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newMessageId(now: number = Date.now()): string {
  let time = '';
  let remaining = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET.charAt(remaining % 32) + time;
    remaining = Math.floor(remaining / 32);
  }
  const random = randomBytes(10);
  let bits = 0n;
  for (const byte of random) bits = (bits << 8n) | BigInt(byte);
  let tail = '';
  for (let i = 0; i < 16; i++) {
    tail = ALPHABET.charAt(Number(bits & 31n)) + tail;
    bits >>= 5n;
  }
  return time + tail;
}

/**
 * A room epoch: the creation time in base 36 and 32 random bits, so a room deleted and created again
 * under the same name never reuses an epoch (and with it, sequence numbers).
 */
export function newEpoch(now: number = Date.now()): string {
  return `${now.toString(36)}-${randomBytes(4).toString('hex')}`;
}
