/**
 * Tokens on live connections, with lifetimes short enough to watch: tokens live 6 s, the
 * `reauth_required` notice goes out 4 s before expiry, expired connections get 4 s of grace, and the
 * sweeper runs every second. Also the refresh-token endpoints that renew tokens.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { login, logout, refresh } from './support/auth-api.ts';
import { eventually } from './support/eventually.ts';
import {
  claimsOf,
  type ErrorFrame,
  isoSeconds,
  joinRoom,
  ping,
  pingUntil,
  request,
} from './support/frames.ts';
import { type Harness, startHarness } from './support/harness.ts';

const tokenTtlSeconds = 6;
const reauthNoticeSeconds = 4;
const reauthGraceSeconds = 4;
/** Long enough for a token to expire, its grace to pass and a sweep to notice, on a slow machine. */
const lifetimeMs = (tokenTtlSeconds + reauthGraceSeconds + 1) * 1000 + 15_000;

describe('token lifetime on live connections', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({
      identity: { tokenTtlSeconds },
      policies: { reauthNoticeSeconds, reauthGraceSeconds },
      scheduleIntervalSeconds: { sweeper: 1 },
    });
  });
  afterEach(() => harness.closeAll());
  afterAll(() => harness?.stop());

  it(
    'sends reauth_required before the token expires, saying when it expires and when the connection closes',
    async () => {
      // Prepare
      const { client, tokens } = await harness.connectAs('alice');
      const { exp } = claimsOf(tokens.token);

      // Act
      const notice = await client.nextJson((frame) => frame.type === 'reauth_required', lifetimeMs);
      const receivedAt = Date.now();

      // Assess
      expect(receivedAt).toBeLessThan(exp * 1000);
      expect(notice).toEqual({
        type: 'reauth_required',
        expiresAt: isoSeconds(exp),
        closesAt: isoSeconds(exp + reauthGraceSeconds),
      });
    },
    lifetimeMs + 5_000,
  );

  it(
    'answers TOKEN_EXPIRED after expiry, and a fresh token of the same user makes actions work again',
    async () => {
      // Prepare
      const { client, welcome, tokens } = await harness.connectAs('alice');
      await joinRoom(client, 'lobby', welcome.userId);

      // Act
      const expired = await pingUntil(client, (answer) => answer.type === 'error', lifetimeMs);
      const refreshed = await refresh(harness.stack, tokens.refreshToken);
      const { token: fresh } = (await refreshed.json()) as { token: string };
      const renewed = await request(client, { action: 'reauth', token: fresh });
      const pong = await ping(client);
      client.sendJson({ action: 'sendMessage', room: 'lobby', content: 'still here' });
      const sent = await client.nextJson((frame) => frame.type === 'message');

      // Assess
      expect(expired).toMatchObject({ type: 'error', code: 'TOKEN_EXPIRED', action: 'ping' });
      expect(refreshed.status).toBe(200);
      expect(claimsOf(fresh).sub).toBe(welcome.userId);
      expect(renewed).toEqual({
        type: 'reauthenticated',
        expiresAt: isoSeconds(claimsOf(fresh).exp),
        requestId: expect.any(String),
      });
      expect(pong).toMatchObject({ type: 'pong' });
      expect(sent).toMatchObject({ type: 'message', content: 'still here', username: 'alice' });
      expect(await harness.table.connection(welcome.connectionId)).toMatchObject({
        tokenExpiresAt: claimsOf(fresh).exp,
      });
    },
    lifetimeMs + 5_000,
  );

  it('refuses another user’s token in reauth with REAUTH_USER_MISMATCH and closes the connection', async () => {
    // Prepare
    const alice = await harness.connectAs('alice');
    const bob = await login(harness.stack, 'bob');

    // Act
    const refusal = await request(alice.client, { action: 'reauth', token: bob.token });
    const closed = await alice.client.closed(lifetimeMs);

    // Assess
    expect(refusal).toMatchObject({ type: 'error', code: 'REAUTH_USER_MISMATCH', action: 'reauth' });
    expect(closed.code).toBeGreaterThanOrEqual(1000);
    await eventually(async () =>
      expect(await harness.table.connectionRows(alice.welcome.connectionId)).toEqual([]),
    );
  });

  it('refuses an invalid token in reauth with TOKEN_INVALID and keeps the connection as it was', async () => {
    // Prepare
    const alice = await harness.connectAs('alice');
    const identityFields = async () => {
      const item = await harness.table.connection(alice.welcome.connectionId);
      return [item?.userId, item?.username, item?.groups, item?.tokenExpiresAt, item?.sweepSk];
    };
    const before = await identityFields();

    // Act
    const refusal = (await request(alice.client, {
      action: 'reauth',
      token: 'not.a.jwt',
    })) as unknown as ErrorFrame;
    const pong = await ping(alice.client);

    // Assess
    expect(refusal).toMatchObject({
      type: 'error',
      code: 'TOKEN_INVALID',
      reason: expect.stringMatching(/^[A-Za-z]+$/),
    });
    expect(pong).toMatchObject({ type: 'pong' });
    expect(await identityFields()).toEqual(before);
  });

  it(
    'closes a connection that never re-authenticates once the grace has passed, and removes its rows',
    async () => {
      // Prepare
      const { client, welcome, tokens } = await harness.connectAs('carol');
      await joinRoom(client, 'night-shift', welcome.userId);
      const { exp } = claimsOf(tokens.token);

      // Act
      const final = await client.nextJson((frame) => frame.type === 'closing', lifetimeMs);
      const closed = await client.closed(lifetimeMs);
      const closedAt = Date.now();

      // Assess
      expect(final).toEqual({
        type: 'closing',
        code: 'TOKEN_EXPIRED',
        reason: expect.any(String),
        reconnect: false,
      });
      expect(closedAt).toBeGreaterThanOrEqual((exp + reauthGraceSeconds) * 1000);
      expect(closed.code).toBeGreaterThanOrEqual(1000);
      await eventually(async () => {
        expect(await harness.table.connectionRows(welcome.connectionId)).toEqual([]);
        expect(await harness.table.members('night-shift')).toEqual([]);
        expect(await harness.table.presence('night-shift')).toEqual([]);
        expect(await harness.table.slotsOf(welcome.userId)).toEqual([]);
      });
    },
    lifetimeMs + 5_000,
  );

  it('issues a new access token at /refresh that opens a connection', async () => {
    // Prepare
    const { token, refreshToken } = await login(harness.stack, 'dave');

    // Act
    const response = await refresh(harness.stack, refreshToken);
    const body = (await response.json()) as { token: string; expiresIn: number };
    const session = await harness.connect(`?token=${body.token}`);

    // Assess
    expect(response.status).toBe(200);
    expect(body.token).not.toBe(token);
    expect(body.expiresIn).toBe(tokenTtlSeconds);
    expect(session.welcome).toMatchObject({ username: 'dave' });
  });

  it('refuses a refresh token after POST /logout with 401', async () => {
    // Prepare
    const { refreshToken } = await login(harness.stack, 'bob');

    // Act
    const loggedOut = await logout(harness.stack, refreshToken);
    const afterLogout = await refresh(harness.stack, refreshToken);

    // Assess
    expect(loggedOut.status).toBe(200);
    expect(afterLogout.status).toBe(401);
    expect(await afterLogout.json()).toEqual({ message: expect.stringMatching(/refresh token/i) });
  });

  it.each([
    ['garbage', 'not-a-refresh-token'],
    ['well-formed but never issued', Buffer.alloc(32, 7).toString('base64url')],
  ])('refuses a %s refresh token with 401', async (_name, refreshToken) => {
    // Act
    const response = await refresh(harness.stack, refreshToken);

    // Assess
    expect(response.status).toBe(401);
  });
});
