/**
 * Opaque refresh tokens for the local identity provider. A token is 32 random bytes (base64url); only
 * its SHA-256 is stored — in memory, and in `<dataDir>/refresh-tokens.json` (mode 0600) when a data
 * directory is given, so logins survive restarts. Tokens expire (30 days by default) and can be revoked.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../lambdas/core/ports.ts';
import { defaults } from '../../lambdas/defaults.ts';

export const refreshTokensFileName = 'refresh-tokens.json';
/** The refresh-token lifetime Cognito is given too (lambdas/defaults.ts). */
export const defaultRefreshTokenTtlSeconds = defaults.refreshTokenValidityDays * 86_400;

export interface RefreshTokenRecord {
  readonly username: string;
  readonly sub: string;
  /** Epoch seconds. */
  readonly issuedAt: number;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

interface StoreFile {
  readonly version: 1;
  readonly tokens: Record<string, RefreshTokenRecord>;
}

export interface RefreshTokenStoreProps {
  /** Persist to `<dataDir>/refresh-tokens.json`; in memory only when absent. */
  readonly dataDir?: string;
  /** @default 2 592 000 (30 days) */
  readonly ttlSeconds?: number;
  /** Epoch milliseconds. @default Date.now */
  readonly now?: Clock;
}

export class RefreshTokenStore {
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    private readonly tokens: Map<string, RefreshTokenRecord>,
    private readonly file: string | undefined,
    private readonly ttlSeconds: number,
    private readonly now: Clock,
  ) {}

  static async open(props: RefreshTokenStoreProps = {}): Promise<RefreshTokenStore> {
    const now = props.now ?? Date.now;
    const file = props.dataDir ? join(props.dataDir, refreshTokensFileName) : undefined;
    const tokens = new Map<string, RefreshTokenRecord>();
    if (file) {
      const stored = await readStoreFile(file);
      const nowSeconds = Math.floor(now() / 1000);
      for (const [hash, record] of Object.entries(stored?.tokens ?? {})) {
        if (isRecord(record) && record.expiresAt > nowSeconds) tokens.set(hash, record);
      }
    }
    return new RefreshTokenStore(tokens, file, props.ttlSeconds ?? defaultRefreshTokenTtlSeconds, now);
  }

  async issue(user: { readonly username: string; readonly sub: string }): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const issuedAt = Math.floor(this.now() / 1000);
    this.tokens.set(digest(token), {
      username: user.username,
      sub: user.sub,
      issuedAt,
      expiresAt: issuedAt + this.ttlSeconds,
    });
    await this.persist();
    return token;
  }

  /** The record of a live token; `undefined` when unknown, revoked or expired. */
  find(token: string): RefreshTokenRecord | undefined {
    const record = this.tokens.get(digest(token));
    return record && record.expiresAt > Math.floor(this.now() / 1000) ? record : undefined;
  }

  /** Returns whether the token existed. */
  async revoke(token: string): Promise<boolean> {
    const existed = this.tokens.delete(digest(token));
    if (existed) await this.persist();
    return existed;
  }

  /** Revokes every token of one user (e.g. after removing them from the users file). */
  async revokeAllFor(username: string): Promise<number> {
    let revoked = 0;
    for (const [hash, record] of this.tokens) {
      if (record.username === username && this.tokens.delete(hash)) revoked++;
    }
    if (revoked > 0) await this.persist();
    return revoked;
  }

  /** Writes are serialised, and each replaces the file atomically (write to a temporary file, then rename). */
  private persist(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    this.writes = this.writes.then(async () => {
      const nowSeconds = Math.floor(this.now() / 1000);
      const live = Object.fromEntries([...this.tokens].filter(([, record]) => record.expiresAt > nowSeconds));
      const contents: StoreFile = { version: 1, tokens: live };
      const temporary = `${file}.${process.pid}.tmp`;
      await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
      await writeFile(temporary, `${JSON.stringify(contents, null, 2)}\n`, { mode: 0o600 });
      await rename(temporary, file);
    });
    return this.writes;
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

async function readStoreFile(file: string): Promise<StoreFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<StoreFile> | null;
    return parsed?.version === 1 && typeof parsed.tokens === 'object' && parsed.tokens !== null
      ? (parsed as StoreFile)
      : undefined;
  } catch {
    // A damaged file only costs users a fresh login; it is replaced on the next write.
    return undefined;
  }
}

function isRecord(value: unknown): value is RefreshTokenRecord {
  const record = value as Partial<RefreshTokenRecord> | null;
  return (
    typeof record?.username === 'string' &&
    typeof record.sub === 'string' &&
    typeof record.issuedAt === 'number' &&
    typeof record.expiresAt === 'number'
  );
}
