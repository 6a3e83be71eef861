/**
 * The local identity provider answers as Cognito does for what a login can meet besides tokens: a
 * password that must be changed (NEW_PASSWORD_REQUIRED, then POST /password), the lockout after failed
 * logins, cookie-only mode, and signing out everywhere.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserDirectory } from '../../../local/identity/user-directory.ts';
import { type IdentityServer, post, startIdentityServer } from './identity-server.ts';

const servers: IdentityServer[] = [];
let dir: string;

async function start(props: Parameters<typeof startIdentityServer>[0] = {}): Promise<IdentityServer> {
  const server = await startIdentityServer(props);
  servers.push(server);
  return server;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-sessions-'));
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await rm(dir, { recursive: true, force: true });
});

/** A users file with one user who must change the temporary password. */
async function usersWithTemporaryPassword(): Promise<string> {
  const file = join(dir, 'users.json');
  const users = await UserDirectory.openOrCreate(file, 'no users');
  await users.add('erin', 'Temp-pass-1', { mustChangePassword: true });
  return file;
}

describe('a user who must choose a new password', () => {
  it('gets 403 NEW_PASSWORD_REQUIRED, then tokens from POST /password, and the new password from then on', async () => {
    // Prepare
    const server = await start({ usersFile: await usersWithTemporaryPassword() });

    // Act
    const login = await post(server.baseUrl, '/login', { username: 'erin', password: 'Temp-pass-1' });
    const weak = await post(server.baseUrl, '/password', {
      username: 'erin',
      session: String(login.body.session),
      newPassword: 'weak',
    });
    const changed = await post(server.baseUrl, '/password', {
      username: 'erin',
      session: String(login.body.session),
      newPassword: 'Strong-pass-22!',
    });
    const replayed = await post(server.baseUrl, '/password', {
      username: 'erin',
      session: String(login.body.session),
      newPassword: 'Other-pass-33!',
    });
    const oldPassword = await post(server.baseUrl, '/login', { username: 'erin', password: 'Temp-pass-1' });
    const newPassword = await post(server.baseUrl, '/login', {
      username: 'erin',
      password: 'Strong-pass-22!',
    });

    // Assess
    expect(login).toMatchObject({
      status: 403,
      body: { challenge: 'NEW_PASSWORD_REQUIRED', session: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) },
    });
    expect(login.body).not.toHaveProperty('token');
    expect(weak.status).toBe(400);
    expect(String(weak.body.message)).toMatch(/at least 8 characters/);
    expect(changed.status).toBe(200);
    expect(Object.keys(changed.body).sort()).toEqual(['expiresIn', 'refreshToken', 'token']);
    expect(replayed.status).toBe(401);
    expect(oldPassword.status).toBe(401);
    expect(newPassword.status).toBe(200);
    const logs = server.logLines.join('\n');
    for (const secret of ['Temp-pass-1', 'Strong-pass-22!', String(login.body.session)]) {
      expect(logs).not.toContain(secret);
    }
  });

  it.each([
    ['another user’s name', { username: 'alice' }],
    ['an unknown session', { session: 'x'.repeat(43) }],
  ])('refuses POST /password with %s', async (_case, override) => {
    // Prepare
    const file = await usersWithTemporaryPassword();
    await (await UserDirectory.fromFile(file)).add('alice', 'password1');
    const server = await start({ usersFile: file });
    const login = await post(server.baseUrl, '/login', { username: 'erin', password: 'Temp-pass-1' });

    // Act
    const response = await post(server.baseUrl, '/password', {
      username: 'erin',
      session: String(login.body.session),
      newPassword: 'Strong-pass-22!',
      ...override,
    });

    // Assess
    expect(response).toMatchObject({ status: 401, body: { message: expect.stringMatching(/session/) } });
  });

  it('refuses a session older than 3 minutes, as Cognito does', async () => {
    // Prepare
    let now = Date.now();
    const server = await start({ usersFile: await usersWithTemporaryPassword(), now: () => now });
    const login = await post(server.baseUrl, '/login', { username: 'erin', password: 'Temp-pass-1' });
    now += 180_001;

    // Act
    const response = await post(server.baseUrl, '/password', {
      username: 'erin',
      session: String(login.body.session),
      newPassword: 'Strong-pass-22!',
    });

    // Assess
    expect(response.status).toBe(401);
  });
});

describe('failed logins on the local identity provider', () => {
  it('locks a username after 5 failures in 15 minutes, the correct password included, with Retry-After', async () => {
    // Prepare
    let now = Date.now();
    const server = await start({ now: () => now });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      statuses.push((await post(server.baseUrl, '/login', { username: 'alice', password: 'wrong' })).status);
      now += 1000;
    }

    // Act
    const locked = await fetch(`${server.baseUrl}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'password1' }),
    });
    now += 900_000;
    const later = await post(server.baseUrl, '/login', { username: 'alice', password: 'password1' });

    // Assess
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe('895');
    expect(later.status).toBe(200);
  });
});

describe('cookie-only mode on the local identity provider', () => {
  it('keeps every token out of response bodies and refreshes and logs out from the cookies', async () => {
    // Prepare
    const server = await start({ tokenCookie: { enabled: true, tokensInBody: false } });

    // Act
    const login = await post(server.baseUrl, '/login', { username: 'bob', password: 'password2' });
    const cookies = login.headers.getSetCookie().map((header) => header.split(';')[0] ?? '');
    const refreshCookie = cookies.find((cookie) => cookie.startsWith('__Secure-parley_refresh=')) ?? '';
    const refreshed = await fetch(`${server.baseUrl}/refresh`, {
      method: 'POST',
      headers: { cookie: refreshCookie },
    });
    const loggedOut = await fetch(`${server.baseUrl}/logout`, {
      method: 'POST',
      headers: { cookie: refreshCookie },
    });
    const afterLogout = await fetch(`${server.baseUrl}/refresh`, {
      method: 'POST',
      headers: { cookie: refreshCookie },
    });

    // Assess
    expect(login.body).toEqual({ expiresIn: 3600 });
    expect(cookies).toEqual([
      expect.stringMatching(/^__Host-parley_token=ey/),
      expect.stringMatching(/^__Secure-parley_refresh=[A-Za-z0-9_-]{43}$/),
      expect.stringMatching(/^__Secure-parley_refresh=[A-Za-z0-9_-]{43}$/),
    ]);
    expect(refreshed.status).toBe(200);
    expect(await refreshed.json()).toEqual({ expiresIn: 3600 });
    expect(refreshed.headers.getSetCookie()).toEqual([expect.stringMatching(/^__Host-parley_token=ey/)]);
    expect(loggedOut.status).toBe(200);
    expect(loggedOut.headers.getSetCookie()).toHaveLength(3);
    expect(afterLogout.status).toBe(401);
  });

  it('refuses a login from a foreign Origin with 403 and sets no cookie', async () => {
    // Prepare
    const server = await start({
      tokenCookie: { enabled: true, tokensInBody: false },
      origins: { allowedOrigins: new Set(['http://app.parley.test']), allowMissingOrigin: true },
    });
    const form = new FormData();
    form.append('username', 'bob');
    form.append('password', 'password2');

    // Act
    const foreign = await fetch(`${server.baseUrl}/login`, {
      method: 'POST',
      body: form,
      headers: { origin: 'https://evil.example' },
    });
    const allowed = await fetch(`${server.baseUrl}/login`, {
      method: 'POST',
      body: form,
      headers: { origin: 'http://app.parley.test' },
    });

    // Assess
    expect(foreign.status).toBe(403);
    expect(foreign.headers.getSetCookie()).toEqual([]);
    expect(allowed.status).toBe(200);
  });
});

describe('signing out everywhere on the local identity provider', () => {
  it('revokes every refresh token of the user and closes their connections', async () => {
    // Prepare
    const closed: string[] = [];
    const server = await start({
      closeConnectionsOf: async (username) => {
        closed.push(username);
        return 1;
      },
    });
    const first = await post(server.baseUrl, '/login', { username: 'carol', password: 'password3' });
    const second = await post(server.baseUrl, '/login', { username: 'carol', password: 'password3' });
    const other = await post(server.baseUrl, '/login', { username: 'dave', password: 'password4' });

    // Act
    const logout = await post(server.baseUrl, '/logout', {
      refreshToken: String(first.body.refreshToken),
      everywhere: 'true',
    });
    const refreshes = await Promise.all(
      [second, other].map((login) =>
        post(server.baseUrl, '/refresh', { refreshToken: String(login.body.refreshToken) }),
      ),
    );

    // Assess
    expect(logout).toMatchObject({ status: 200, body: { message: 'Logged out' } });
    expect(closed).toEqual(['carol']);
    expect(refreshes.map((response) => response.status)).toEqual([401, 200]);
  });
});
