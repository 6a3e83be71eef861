/**
 * Logins on the local stack, as a client sees them: users managed with `npm run users` on the data
 * directory's users file while the stack runs, a temporary password that must be changed
 * (NEW_PASSWORD_REQUIRED, then POST /password), the lockout after failed logins, and logging out
 * everywhere, which closes every live connection of the user with a `closing` frame.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { login, logout, refresh } from './support/auth-api.ts';
import { eventTimeoutMs, eventually } from './support/eventually.ts';
import { type Frame, ping } from './support/frames.ts';
import { type Harness, startHarness } from './support/harness.ts';

/** `npm run users -- --data-dir <dir> <args>`, the password on stdin. */
function users(dataDir: string, args: string[], password = ''): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      join(process.cwd(), 'node_modules/.bin/tsx'),
      ['local/users.ts', '--data-dir', dataDir, ...args],
      { cwd: process.cwd() },
      (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout }),
    );
    child.stdin?.end(password);
  });
}

const postJson = (harness: Harness, path: string, body: unknown) =>
  fetch(`${harness.stack.httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('logins on the local stack', () => {
  let harness: Harness;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'parley-logins-'));
    harness = await startHarness({ dataDir });
  });
  afterEach(() => harness.closeAll());
  afterAll(async () => {
    await harness?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves the demo users from the data directory’s users file, and users added with npm run users', async () => {
    // Prepare
    const added = await users(dataDir, ['add', 'frank', '--group', 'moderator'], 'Frank-pass-1');

    // Act
    const demo = await postJson(harness, '/login', { username: 'carol', password: 'password3' });
    const frank = await postJson(harness, '/login', { username: 'frank', password: 'Frank-pass-1' });
    const { token } = (await frank.json()) as { token: string };
    const session = await harness.connect(`?token=${token}`);
    const removed = await users(dataDir, ['remove', 'frank']);
    const afterRemoval = await postJson(harness, '/login', { username: 'frank', password: 'Frank-pass-1' });

    // Assess
    expect(added.code).toBe(0);
    expect(demo.status).toBe(200);
    expect(frank.status).toBe(200);
    expect(session.welcome).toMatchObject({ username: 'frank', groups: ['moderator'] });
    expect(removed.code).toBe(0);
    expect(afterRemoval.status).toBe(401);
  });

  it('makes a user with a temporary password choose a new one, then lets them in with it', async () => {
    // Prepare
    await users(dataDir, ['add', 'erin', '--must-change'], 'Temp-pass-1');

    // Act
    const challenged = await postJson(harness, '/login', { username: 'erin', password: 'Temp-pass-1' });
    const challenge = (await challenged.json()) as { challenge: string; session: string };
    const weak = await postJson(harness, '/password', {
      username: 'erin',
      session: challenge.session,
      newPassword: 'erin',
    });
    const changed = await postJson(harness, '/password', {
      username: 'erin',
      session: challenge.session,
      newPassword: 'Erin-new-pass-2!',
    });
    const { token } = (await changed.json()) as { token: string };
    const session = await harness.connect(`?token=${token}`);
    const temporary = await postJson(harness, '/login', { username: 'erin', password: 'Temp-pass-1' });
    const chosen = await postJson(harness, '/login', { username: 'erin', password: 'Erin-new-pass-2!' });

    // Assess
    expect(challenged.status).toBe(403);
    expect(challenge).toMatchObject({ challenge: 'NEW_PASSWORD_REQUIRED' });
    expect(weak.status).toBe(400);
    expect(changed.status).toBe(200);
    expect(session.welcome).toMatchObject({ username: 'erin' });
    expect(temporary.status).toBe(401);
    expect(chosen.status).toBe(200);
  });

  it('locks a username after 5 failed logins, the correct password included, with Retry-After', async () => {
    // Prepare
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      statuses.push(
        (await postJson(harness, '/login', { username: 'dave', password: `guess-${attempt}` })).status,
      );
    }

    // Act
    const locked = await postJson(harness, '/login', { username: 'dave', password: 'password4' });
    const otherUser = await postJson(harness, '/login', { username: 'bob', password: 'password2' });

    // Assess
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    expect(locked.status).toBe(429);
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(800);
    expect(retryAfter).toBeLessThanOrEqual(900);
    expect(await locked.json()).toMatchObject({ retryAfter });
    expect(otherUser.status).toBe(200);
  });

  it('closes every live connection of a user who logs out everywhere, saying why, and no one else’s', async () => {
    // Prepare
    const first = await harness.connectAs('alice');
    const second = await harness.connectAs('alice');
    const bystander = await harness.connectAs('bob');
    const otherSession = await login(harness.stack, 'alice');

    // Act
    const response = await logout(harness.stack, first.tokens.refreshToken, { everywhere: true });
    const closings = await Promise.all(
      [first, second].map((session) =>
        session.client.nextJson<Frame>((frame) => frame.type === 'closing', eventTimeoutMs),
      ),
    );
    const closes = await Promise.all([first, second].map((session) => session.client.closed(eventTimeoutMs)));

    // Assess
    expect(response.status).toBe(200);
    expect(closings).toEqual([
      { type: 'closing', code: 'LOGGED_OUT', reason: 'the user logged out everywhere', reconnect: false },
      { type: 'closing', code: 'LOGGED_OUT', reason: 'the user logged out everywhere', reconnect: false },
    ]);
    expect(closes).toHaveLength(2);
    expect(await ping(bystander.client)).toMatchObject({ type: 'pong' });
    expect((await refresh(harness.stack, otherSession.refreshToken)).status).toBe(401);
    await eventually(async () => {
      const rows = await harness.table.connectionsOf(first.welcome.userId);
      if (rows.length > 0) throw new Error(`alice still has ${rows.length} connection rows`);
    });
  });
});
