/**
 * scrypt password hashes for the local identity provider, in the PHC string format:
 * `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>` (salt and hash in unpadded base64).
 *
 * Checks are constant-time: the comparison uses `timingSafeEqual`, and callers verify unknown users
 * against a dummy hash so that "no such user" costs as much as "wrong password".
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

/** N = 16384, r = 8, p = 1: Node's defaults, about 16 MiB and tens of milliseconds per hash. */
export const defaultScryptParams: ScryptParams = { ln: 14, r: 8, p: 1 };
const saltBytes = 16;
const hashBytes = 32;
const phcPattern =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{32,})$/;

interface ParsedHash extends ScryptParams {
  readonly salt: Buffer;
  readonly hash: Buffer;
}

export async function hashPassword(
  password: string,
  params: ScryptParams = defaultScryptParams,
): Promise<string> {
  const salt = randomBytes(saltBytes);
  const hash = await derive(password, salt, hashBytes, params);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${unpadded(salt)}$${unpadded(hash)}`;
}

/** True when `passwordHash` is a PHC scrypt string with parameters this module accepts. */
export function isPasswordHash(passwordHash: string): boolean {
  return parseHash(passwordHash) !== undefined;
}

/** False for a wrong password and for an unparseable hash; never throws for bad input. */
export async function verifyPassword(password: string, passwordHash: string): Promise<boolean> {
  const parsed = parseHash(passwordHash);
  if (!parsed) return false;
  const candidate = await derive(password, parsed.salt, parsed.hash.length, parsed);
  return timingSafeEqual(candidate, parsed.hash);
}

function parseHash(passwordHash: string): ParsedHash | undefined {
  const match = phcPattern.exec(passwordHash);
  if (!match) return undefined;
  const [, ln, r, p, salt, hash] = match;
  const params = { ln: Number(ln), r: Number(r), p: Number(p) };
  // Bounds keep a hostile users file from asking for gigabytes or minutes per login.
  if (params.ln < 10 || params.ln > 20 || params.r < 1 || params.r > 32 || params.p < 1 || params.p > 16) {
    return undefined;
  }
  return { ...params, salt: Buffer.from(salt ?? '', 'base64'), hash: Buffer.from(hash ?? '', 'base64') };
}

function derive(password: string, salt: Buffer, length: number, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.ln;
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFC'),
      salt,
      length,
      { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

function unpadded(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}
