import { describe, expect, it, vi } from 'vitest';
import { AuthenticationError } from '../../client/src/index.ts';
import type { FakeParley } from './support/fake-parley.ts';
import { connected, createHarness, joined } from './support/harness.ts';
import { settle } from './support/manual-scheduler.ts';

const MINUTE = 60_000;

describe('ParleyClient token refresh', () => {
  it('refreshes 5 minutes before expiry with /refresh and reauth on the live connection, without reconnecting', async () => {
    // Prepare: tokens live an hour
    const harness = await connected();
    const { server, scheduler, events } = harness;
    const first = server.last.token;

    // Act
    await scheduler.advance(55 * MINUTE - 1);
    const refreshesBefore = server.calls('/refresh').length;
    await scheduler.advance(1);

    // Assess
    expect(refreshesBefore).toBe(0);
    expect(server.calls('/refresh')).toHaveLength(1);
    const [reauth] = server.last.sent('reauth');
    expect(reauth?.token).toMatch(/^token-\d+$/);
    expect(reauth?.token).not.toBe(first);
    expect(events).toContainEqual(['reauthenticated', expect.objectContaining({ type: 'reauthenticated' })]);
    expect(server.sockets).toHaveLength(1);
    expect(harness.states()).toEqual(['connecting', 'connected']);

    // And again 55 minutes after that, from the new token's expiry
    await scheduler.advance(55 * MINUTE);
    expect(server.calls('/refresh')).toHaveLength(2);
    expect(server.calls('/login')).toHaveLength(1);
  });

  it('refreshes a short-lived token at three quarters of its life', async () => {
    // Prepare
    const harness = createHarness();
    harness.server.tokenTtlMs = 60_000;
    const connecting = harness.client.connect();
    await settle();
    await connecting;

    // Act
    await harness.scheduler.advance(44_999);
    const before = harness.server.calls('/refresh').length;
    await harness.scheduler.advance(1);

    // Assess
    expect(before).toBe(0);
    expect(harness.server.calls('/refresh')).toHaveLength(1);
  });

  it('schedules by the server’s clock: a skewed client clock changes nothing', async () => {
    // Prepare: the server's clock is 20 minutes ahead
    const harness = createHarness();
    harness.server.clockSkewMs = 20 * MINUTE;
    const connecting = harness.client.connect();
    await settle();
    await connecting;

    // Act
    await harness.scheduler.advance(55 * MINUTE - 1);
    const before = harness.server.calls('/refresh').length;
    await harness.scheduler.advance(1);

    // Assess
    expect(before).toBe(0);
    expect(harness.server.calls('/refresh')).toHaveLength(1);
  });

  it('refreshes at once on reauth_required', async () => {
    const { server, events } = await connected();

    server.last.push({
      type: 'reauth_required',
      expiresAt: server.iso(server.scheduler.now() + 120_000),
      closesAt: server.iso(server.scheduler.now() + 150_000),
    });
    await settle();

    expect(events).toContainEqual(['reauthRequired', expect.objectContaining({ type: 'reauth_required' })]);
    expect(server.calls('/refresh')).toHaveLength(1);
    expect(server.last.sent('reauth')).toHaveLength(1);
  });

  it('logs in again with the credentials it holds when the refresh token is refused', async () => {
    const { server, scheduler } = await connected();
    server.revokeRefreshTokens();

    await scheduler.advance(55 * MINUTE);

    expect(server.calls('/refresh')).toHaveLength(1);
    expect(server.calls('/login')).toHaveLength(2);
    expect(server.last.sent('reauth')).toHaveLength(1);
    expect(server.sockets).toHaveLength(1);
  });

  it('stops with an error event when the refresh token and the credentials are both refused', async () => {
    // Prepare
    const harness = await connected();
    const { server, scheduler, client, events } = harness;
    server.revokeRefreshTokens();
    server.http['/login']?.push({ status: 401, body: { message: 'Invalid username or password' } });

    // Act
    await scheduler.advance(55 * MINUTE);

    // Assess
    expect(events).toContainEqual(['error', expect.any(AuthenticationError)]);
    expect(client.state).toBe('closed');
    expect(server.last.closedByClient).toBe(1000);
  });

  it('retries a temporary refresh failure with backoff while the connection lives', async () => {
    const { server, scheduler } = await connected();
    server.http['/refresh']?.push({ status: 503 }, { status: 502 });

    await scheduler.advance(55 * MINUTE);
    expect(server.last.sent('reauth')).toHaveLength(0);
    await scheduler.advance(250);
    expect(server.last.sent('reauth')).toHaveLength(0);
    await scheduler.advance(500);

    expect(server.calls('/refresh')).toHaveLength(3);
    expect(server.last.sent('reauth')).toHaveLength(1);
  });

  it('sends a request refused with TOKEN_EXPIRED again once the token is refreshed', async () => {
    // Prepare: the token expired while the page slept; the server refuses until reauth
    const harness = await connected();
    const { server } = harness;
    const { room } = await joined(harness);
    server.handle('history', (request, socket) => {
      if (socket.sent('reauth').length === 0) {
        return socket.push({
          type: 'error',
          code: 'TOKEN_EXPIRED',
          message: 'expired',
          requestId: request.requestId,
        });
      }
      server.defaultHandle(request, socket);
    });

    // Act
    const page = room.history({ limit: 10 });
    await settle();

    // Assess
    await expect(page).resolves.toMatchObject({ type: 'history', room: 'general' });
    expect(server.last.requests.map((request) => request.action)).toEqual([
      'joinRoom',
      'history',
      'reauth',
      'history',
    ]);
  });

  it('stops when reauth is refused with REAUTH_USER_MISMATCH', async () => {
    const { server, client, events } = await connected();
    server.handle('reauth', (request, socket) =>
      socket.push({
        type: 'error',
        code: 'REAUTH_USER_MISMATCH',
        message: 'another user',
        action: 'reauth',
        requestId: request.requestId,
      }),
    );

    server.last.push({ type: 'reauth_required', expiresAt: server.iso(0), closesAt: server.iso(0) });
    await settle();

    expect(events).toContainEqual(['error', expect.objectContaining({ code: 'REAUTH_USER_MISMATCH' })]);
    expect(client.state).toBe('closed');
  });
});

describe('ParleyClient with getToken', () => {
  function withGetToken(getToken: (server: FakeParley) => Promise<string>) {
    let server!: FakeParley;
    const spy = vi.fn(() => getToken(server));
    const harness = createHarness({ credentials: undefined, getToken: spy });
    server = harness.server;
    return { ...harness, getToken: spy };
  }

  it('stops when getToken throws AuthenticationError', async () => {
    const { client, events, getToken } = withGetToken(async () => {
      throw new AuthenticationError('signed out');
    });

    const failure = client.connect().catch((error: unknown) => error);
    await settle();

    expect(await failure).toMatchObject({ name: 'AuthenticationError', message: 'signed out' });
    expect(events).toContainEqual(['error', expect.any(AuthenticationError)]);
    expect(getToken).toHaveBeenCalledTimes(1);
  });

  it('retries other getToken failures with backoff', async () => {
    let calls = 0;
    const { client, scheduler } = withGetToken(async (server) => {
      if (++calls === 1) throw new Error('identity provider unreachable');
      return server.issueToken().token;
    });

    const connecting = client.connect();
    await scheduler.advance(250);
    await connecting;

    expect(client.state).toBe('connected');
    expect(calls).toBe(2);
  });

  it('does not loop when getToken hands back the token it already gave', async () => {
    // Prepare: an application cache that never renews
    let token = '';
    const { client, scheduler, server } = withGetToken(async (fake) => {
      token ||= fake.issueToken().token;
      return token;
    });
    const connecting = client.connect();
    await settle();
    await connecting;

    // Act
    await scheduler.advance(55 * MINUTE + 1_000);

    // Assess: one reauth at 55 minutes, then a backoff (250 ms, 500 ms) rather than a tight loop
    expect(server.last.sent('reauth').length).toBeLessThanOrEqual(3);
    expect(server.last.sent('reauth').length).toBeGreaterThanOrEqual(1);
  });

  it('reports a reauth refused with TOKEN_INVALID by retrying later, keeping the connection', async () => {
    const { client, scheduler, server } = withGetToken(async (fake) => fake.issueToken().token);
    const connecting = client.connect();
    await settle();
    await connecting;
    let refusals = 0;
    server.handle('reauth', (request, socket) => {
      if (refusals++ === 0) {
        return socket.push({
          type: 'error',
          code: 'TOKEN_INVALID',
          message: 'bad',
          reason: 'JwtInvalidSignatureError',
          requestId: request.requestId,
        });
      }
      server.defaultHandle(request, socket);
    });

    await scheduler.advance(55 * MINUTE);
    await scheduler.advance(250);

    expect(server.last.sent('reauth')).toHaveLength(2);
    expect(client.state).toBe('connected');
    expect(server.sockets).toHaveLength(1);
  });
});
