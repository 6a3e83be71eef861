import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RefreshTokenStore } from '../../../local/identity/refresh-token-store.ts';

let dataDir: string;
const carol = { username: 'carol', sub: 'sub-carol' };

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'parley-refresh-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('RefreshTokenStore', () => {
  it('persists only hashes of the tokens, in a file readable by its owner only', async () => {
    // Prepare
    const store = await RefreshTokenStore.open({ dataDir });

    // Act
    const token = await store.issue(carol);

    // Assess
    const file = join(dataDir, 'refresh-tokens.json');
    const contents = await readFile(file, 'utf8');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(contents).not.toContain(token);
    expect(contents).toContain('carol');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('finds a token after reopening the data directory', async () => {
    // Prepare
    const token = await (await RefreshTokenStore.open({ dataDir })).issue(carol);

    // Act
    const reopened = await RefreshTokenStore.open({ dataDir });

    // Assess
    expect(reopened.find(token)).toMatchObject(carol);
  });

  it('forgets revoked tokens, in memory and on disk', async () => {
    // Prepare
    const store = await RefreshTokenStore.open({ dataDir });
    const token = await store.issue(carol);
    const other = await store.issue({ username: 'dave', sub: 'sub-dave' });

    // Act
    const revoked = await store.revoke(token);
    const revokedAgain = await store.revoke(token);
    const reopened = await RefreshTokenStore.open({ dataDir });

    // Assess
    expect([revoked, revokedAgain]).toEqual([true, false]);
    expect(store.find(token)).toBeUndefined();
    expect(reopened.find(token)).toBeUndefined();
    expect(reopened.find(other)).toMatchObject({ username: 'dave' });
  });

  it('revokes every token of one user', async () => {
    // Prepare
    const store = await RefreshTokenStore.open();
    const tokens = [await store.issue(carol), await store.issue(carol)];
    const dave = await store.issue({ username: 'dave', sub: 'sub-dave' });

    // Act
    const count = await store.revokeAllFor('carol');

    // Assess
    expect(count).toBe(2);
    expect(tokens.map((token) => store.find(token))).toEqual([undefined, undefined]);
    expect(store.find(dave)).toBeDefined();
  });

  it('expires tokens after their time to live', async () => {
    // Prepare
    let now = 1_800_000_000_000;
    const store = await RefreshTokenStore.open({ ttlSeconds: 30 * 24 * 3600, now: () => now });
    const token = await store.issue(carol);

    // Act
    now += 30 * 24 * 3600 * 1000 - 1000;
    const before = store.find(token);
    now += 1000;
    const after = store.find(token);

    // Assess
    expect(before).toBeDefined();
    expect(after).toBeUndefined();
  });
});
