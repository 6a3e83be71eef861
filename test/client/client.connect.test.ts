import { describe, expect, it, vi } from 'vitest';
import {
  AuthenticationError,
  ClosedError,
  ConfigurationError,
  type NetworkError,
  ParleyClient,
  type RetryInfo,
} from '../../client/src/index.ts';
import type { FakeParley } from './support/fake-parley.ts';
import { connected, createHarness } from './support/harness.ts';
import { settle } from './support/manual-scheduler.ts';

const retries = (events: [string, ...unknown[]][]) =>
  events.filter(([name]) => name === 'retry').map(([, info]) => info as RetryInfo);

describe('ParleyClient connecting', () => {
  it('logs in with JSON credentials, connects with a one-time ticket and never puts the token in the URL', async () => {
    // Act
    const { client, server, states } = await connected();

    // Assess
    expect(server.calls('/login')).toEqual([
      { path: '/login', body: { username: 'alice', password: 'password1' } },
    ]);
    const [ticketCall] = server.calls('/ticket');
    expect(ticketCall?.authorization).toMatch(/^Bearer token-\d+$/);
    const socket = server.last;
    expect(socket.url).toMatch(/^wss:\/\/ws\.parley\.test\/prod\?ticket=ticket0+\d+$/);
    expect(socket.url).not.toContain('token');
    expect(socket.protocols).toBeUndefined();
    expect(states()).toEqual(['connecting', 'connected']);
    expect(client.state).toBe('connected');
    expect(client.user).toMatchObject({ type: 'welcome', username: 'alice', userId: 'sub-alice' });
  });

  it('offers the token as the second subprotocol when asked, with no ticket request', async () => {
    const { server } = await connected({ connectWith: 'subprotocol' });

    expect(server.calls('/ticket')).toEqual([]);
    expect(server.last.protocols).toEqual(['parley.v1', expect.stringMatching(/^token-\d+$/)]);
    expect(server.last.url).toBe('wss://ws.parley.test/prod');
  });

  it('calls getToken for each connection instead of logging in', async () => {
    // Prepare
    let server!: FakeParley;
    const getToken = vi.fn(async () => server.issueToken().token);
    const harness = createHarness({ credentials: undefined, httpUrl: undefined, getToken });
    server = harness.server;

    // Act
    const connecting = harness.client.connect();
    await settle();
    await connecting;
    server.last.drop();
    await harness.scheduler.advance(1_000);

    // Assess: without httpUrl the token goes as the subprotocol; getToken is called for each connection
    expect(server.httpCalls).toEqual([]);
    expect(getToken).toHaveBeenCalledTimes(2);
    expect(server.sockets.map((socket) => socket.protocols?.[0])).toEqual(['parley.v1', 'parley.v1']);
    expect(harness.client.state).toBe('connected');
  });

  it('stops with AuthenticationError when /login refuses the credentials, without retrying', async () => {
    // Prepare
    const { client, server, events, states, scheduler } = createHarness({
      credentials: { username: 'alice', password: 'wrong' },
    });

    // Act
    const failure = client.connect().catch((error: unknown) => error);
    await settle();

    // Assess
    expect(await failure).toBeInstanceOf(AuthenticationError);
    expect(await failure).toMatchObject({
      status: 401,
      message: expect.stringContaining('Invalid username or password'),
    });
    expect(states()).toEqual(['connecting', 'closed']);
    expect(events).toContainEqual(['error', expect.any(AuthenticationError)]);
    expect(retries(events)).toEqual([]);
    expect(server.sockets).toEqual([]);
    expect(scheduler.pendingDelays()).toEqual([]);
  });

  it('retries temporary /login failures with backoff, then connects', async () => {
    // Prepare
    const { client, server, events, scheduler, states } = createHarness();
    server.http['/login']?.push({ status: 503 }, { status: 500 });

    // Act
    const connecting = client.connect();
    await settle();
    await scheduler.advance(250);
    await scheduler.advance(500);
    await connecting;

    // Assess: full jitter with random 0.5 is half of 500 ms, then of 1 s
    expect(
      retries(events).map(({ attempt, delayMs, error }) => [
        attempt,
        delayMs,
        (error as NetworkError).status,
      ]),
    ).toEqual([
      [1, 250, 503],
      [2, 500, 500],
    ]);
    expect(states()).toEqual(['connecting', 'reconnecting', 'connected']);
    expect(server.calls('/login')).toHaveLength(3);
  });

  it('waits out the Retry-After of a 429 from /login (an account lockout) before trying again', async () => {
    // Prepare
    const { client, server, events, scheduler } = createHarness();
    server.http['/login']?.push({
      status: 429,
      headers: { 'retry-after': '30' },
      body: { message: 'Too many attempts' },
    });

    // Act
    const connecting = client.connect();
    await settle();
    await scheduler.advance(29_999);
    const callsBeforeTheEnd = server.calls('/login').length;
    await scheduler.advance(1);
    await connecting;

    // Assess
    expect(retries(events)[0]).toMatchObject({
      delayMs: 30_000,
      error: { status: 429, retryAfterMs: 30_000 },
    });
    expect(callsBeforeTheEnd).toBe(1);
    expect(server.calls('/login')).toHaveLength(2);
  });

  it('backs off on handshakes that fail before the welcome, and asks for a fresh token each time', async () => {
    // Prepare: a browser sees neither status (the socket just closes with 1006)
    const { client, server, events, scheduler } = createHarness();
    server.handshakes.push({ refuse: 401 }, { refuse: 500 });

    // Act
    const connecting = client.connect();
    await settle();
    await scheduler.advance(250);
    await scheduler.advance(500);
    await connecting;

    // Assess
    expect(retries(events).map(({ error }) => error.message)).toEqual([
      'the socket closed (1006) before the welcome',
      'the socket closed (1006) before the welcome',
    ]);
    expect(server.calls('/login')).toHaveLength(1);
    expect(server.calls('/refresh')).toHaveLength(2);
    expect(server.sockets).toHaveLength(3);
  });

  it('stops when the handshake refuses a fresh token three times in a row (statuses visible in Node)', async () => {
    // Prepare
    const { client, server, events, scheduler } = createHarness();
    server.statusVisible = true;
    server.handshakes.push({ refuse: 401 }, { refuse: 401 }, { refuse: 401 });

    // Act
    const failure = client.connect().catch((error: unknown) => error);
    await scheduler.advance(10_000);

    // Assess
    expect(await failure).toMatchObject({
      name: 'AuthenticationError',
      message: 'the handshake refused a fresh token 3 times in a row',
    });
    expect(retries(events)).toHaveLength(2);
    expect(client.state).toBe('closed');
  });

  it.each([400, 403])('stops on a %i handshake refusal, which no retry can cure', async (status) => {
    const { client, server, scheduler } = createHarness();
    server.statusVisible = true;
    server.handshakes.push({ refuse: status });

    const failure = client.connect().catch((error: unknown) => error);
    await scheduler.advance(10_000);

    expect(await failure).toMatchObject({ name: 'NetworkError', status });
    expect(server.sockets).toHaveLength(1);
  });

  it('retries when no welcome arrives within timeoutMs', async () => {
    // Prepare
    const { client, server, events, scheduler } = createHarness();
    server.handshakes.push('silent');

    // Act
    const connecting = client.connect();
    await scheduler.advance(10_000);
    await scheduler.advance(250);
    await connecting;

    // Assess
    expect(retries(events)[0]?.error.message).toBe('no welcome within 10000 ms');
    expect(server.sockets[0]?.closedByClient).toBe(1000);
    expect(server.sockets).toHaveLength(2);
  });

  it('stops after maxRetries failures in a row, with the closed state and an error event saying why', async () => {
    // Prepare
    const { client, server, events, scheduler, states } = createHarness({ maxRetries: 2 });
    server.http['/login']?.push({ status: 503 }, { status: 503 }, { status: 502 });

    // Act
    const failure = client.connect().catch((error: unknown) => error);
    await scheduler.advance(60_000);

    // Assess
    expect(await failure).toMatchObject({ name: 'NetworkError', status: 502 });
    expect(retries(events)).toHaveLength(2);
    expect(states()).toEqual(['connecting', 'reconnecting', 'closed']);
    expect(events.at(-1)).toEqual(['state', 'closed', expect.objectContaining({ status: 502 })]);
    expect(events).toContainEqual(['error', expect.objectContaining({ status: 502 })]);
  });

  it('never gives up by default, and never waits longer than the largest window', async () => {
    // Prepare
    const { client, server, events, scheduler } = createHarness({ random: () => 0.999 });
    for (let i = 0; i < 30; i++) server.http['/login']?.push({ status: 503 });

    // Act
    void client.connect();
    await scheduler.advance(30 * 20_000);

    // Assess
    const delays = retries(events).map(({ delayMs }) => delayMs);
    expect(delays).toHaveLength(30);
    expect(delays.slice(0, 7)).toEqual([499, 999, 1_998, 3_996, 7_992, 15_984, 19_980]);
    expect(Math.max(...delays)).toBe(19_980);
    expect(client.state).toBe('connected');
  });

  it('takes its backoff window from the options', async () => {
    const { client, server, events, scheduler } = createHarness({
      backoff: { minMs: 100, maxMs: 300 },
      random: () => 0.999,
    });
    for (let i = 0; i < 4; i++) server.http['/login']?.push({ status: 503 });

    const connecting = client.connect();
    await scheduler.advance(5_000);
    await connecting;

    expect(retries(events).map(({ delayMs }) => delayMs)).toEqual([99, 199, 299, 299]);
  });

  it.each([429, 500, 502])('retries a %i handshake refusal with backoff', async (status) => {
    const { client, server, scheduler } = createHarness();
    server.statusVisible = true;
    server.handshakes.push({ refuse: status });

    const connecting = client.connect();
    await scheduler.advance(250);
    await connecting;

    expect(server.sockets).toHaveLength(2);
  });

  it('does not spend attempts while the device is offline, and connects when it comes back online', async () => {
    // Prepare
    const { client, server, page } = createHarness();
    page.isOnline = false;

    // Act
    const connecting = client.connect();
    await settle();
    const socketsWhileOffline = server.sockets.length;
    page.emit('online');
    await settle();
    await connecting;

    // Assess
    expect(socketsWhileOffline).toBe(0);
    expect(client.state).toBe('connected');
  });

  it('refuses join() before connect() and invalid room names before sending anything', async () => {
    const { client } = createHarness();
    await expect(client.join('general')).rejects.toThrow(ClosedError);

    const { client: live, server } = await connected();
    await expect(live.join('Bad Name')).rejects.toMatchObject({ name: 'RefusedError', code: 'INVALID_ROOM' });
    expect(server.last.requests).toEqual([]);
  });

  it('returns the same promise to concurrent connect() calls, and resolves at once when connected', async () => {
    const { client } = createHarness();
    const first = client.connect();
    expect(client.connect()).toBe(first);
    await settle();
    await first;
    await expect(client.connect()).resolves.toBeUndefined();
  });

  it('logout revokes the refresh token and closes', async () => {
    const { client, server, states } = await connected();

    await client.logout();

    expect(server.calls('/logout')).toEqual([
      { path: '/logout', body: { refreshToken: expect.stringMatching(/^refresh-/) } },
    ]);
    expect(states().at(-1)).toBe('closed');
    expect(server.last.closedByClient).toBe(1000);
  });
});

describe('ParleyClient options', () => {
  it.each([
    [{ wsUrl: 'https://x' }, 'wsUrl must be a ws:// or wss:// URL, got "https://x"'],
    [{ httpUrl: 'ftp://x' }, 'httpUrl must be a http:// or https:// URL, got "ftp://x"'],
    [{ getToken: async () => 't' }, 'give exactly one of credentials or getToken'],
    [{ credentials: undefined }, 'give exactly one of credentials or getToken'],
    [{ httpUrl: undefined }, 'httpUrl is needed to log in with credentials and to fetch tickets'],
    [{ backoff: { minMs: 1_000, maxMs: 10 } }, 'backoff.maxMs must be at least backoff.minMs (1000), got 10'],
    [{ timeoutMs: 0 }, 'timeoutMs must be a number of milliseconds from 1, got 0'],
    [
      { WebSocket: undefined },
      "no global WebSocket here: pass one, e.g. WebSocket: (await import('ws')).default",
    ],
  ])('refuses %j at construction, naming the problem', (override, problem) => {
    const options = {
      httpUrl: 'https://api.parley.test',
      wsUrl: 'wss://ws.parley.test',
      credentials: { username: 'alice', password: 'password1' },
      WebSocket: class {} as never,
      fetch: async () => ({ status: 200, headers: { get: () => null }, json: async () => ({}) }),
      environment: null,
      ...override,
    };
    // Node 20 has no global WebSocket; Node 22 has one, which the last case must not find.
    vi.stubGlobal('WebSocket', undefined);
    try {
      expect(() => new ParleyClient(options)).toThrow(ConfigurationError);
      expect(() => new ParleyClient(options)).toThrow(problem);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('lists every problem at once', () => {
    expect(
      () => new ParleyClient({ wsUrl: 'x', timeoutMs: -1, WebSocket: class {} as never, environment: null }),
    ).toThrow(
      'invalid ParleyClient options: wsUrl must be a ws:// or wss:// URL, got "x"; give exactly one of credentials or getToken; timeoutMs must be a number of milliseconds from 1, got -1',
    );
  });
});
