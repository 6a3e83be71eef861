/**
 * The client SDK against the real local stack: the identity provider's /login, /refresh and /ticket,
 * the real authorizer, the real handlers and sweeper, and Node's `ws` as the WebSocket. Only what the
 * server implements today is tested here; the rest of protocol v1 is covered by the SDK's unit tests
 * against a scripted server (test/client).
 */

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  AuthenticationError,
  type FetchLike,
  ParleyClient,
  type ParleyClientOptions,
  type ReauthenticatedFrame,
} from '../../client/src/index.ts';
import { eventTimeoutMs, eventually } from './support/eventually.ts';
import { type Harness, startHarness } from './support/harness.ts';

describe('the client SDK on the local stack', () => {
  let harness: Harness;
  const clients: ParleyClient[] = [];
  const paths: string[] = [];
  const recordingFetch: FetchLike = (url, init) => {
    paths.push(new URL(url).pathname);
    return fetch(url, init);
  };

  beforeAll(async () => {
    harness = await startHarness({
      // Tokens live a minute and the sweeper asks for a fresh one from the start, every second.
      identity: { tokenTtlSeconds: 60 },
      policies: { reauthNoticeSeconds: 59 },
      scheduleIntervalSeconds: { sweeper: 1 },
    });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    paths.length = 0;
    await harness.closeAll();
  });
  afterAll(() => harness?.stop());

  const clientFor = (username: string, password: string, options: Partial<ParleyClientOptions> = {}) => {
    const client = new ParleyClient({
      httpUrl: harness.stack.httpUrl,
      wsUrl: harness.stack.webSocketUrl,
      credentials: { username, password },
      WebSocket,
      fetch: recordingFetch,
      ...options,
    });
    clients.push(client);
    return client;
  };

  it('logs in, connects with a one-time ticket through the real authorizer, and gets answers', async () => {
    // Prepare
    const client = clientFor('alice', 'password1');

    // Act
    await client.connect();
    const pong = await client.request({ action: 'ping' });

    // Assess
    expect(client.state).toBe('connected');
    expect(client.user).toMatchObject({ type: 'welcome', username: 'alice' });
    expect(pong).toMatchObject({ type: 'pong', requestId: expect.any(String) });
    expect(paths).toEqual(['/login', '/ticket']);
    await eventually(async () => {
      expect(await harness.table.connection(client.user?.connectionId ?? '')).toMatchObject({
        username: 'alice',
      });
    });
  });

  it('connects with the token as a subprotocol, without a ticket', async () => {
    const client = clientFor('bob', 'password2', { connectWith: 'subprotocol' });

    await client.connect();

    expect(client.user).toMatchObject({ username: 'bob' });
    expect(paths).toEqual(['/login']);
  });

  it('refreshes its token in-band when the server asks, keeping its connection', async () => {
    // Prepare
    const client = clientFor('alice', 'password1');
    const reauthenticated: ReauthenticatedFrame[] = [];
    client.on('reauthenticated', (frame) => reauthenticated.push(frame));
    let welcomes = 0;
    client.on('welcome', () => welcomes++);

    // Act
    await client.connect();
    const connectionId = client.user?.connectionId;
    await eventually(async () => expect(reauthenticated.length).toBeGreaterThan(0), eventTimeoutMs);

    // Assess
    expect(paths).toContain('/refresh');
    expect(welcomes).toBe(1);
    expect(client.user?.connectionId).toBe(connectionId);
    expect(client.state).toBe('connected');
  });

  it('stops with AuthenticationError when the password is wrong', async () => {
    const client = clientFor('alice', 'wrong');
    const states: string[] = [];
    client.on('state', (state) => states.push(state));

    await expect(client.connect()).rejects.toThrow(AuthenticationError);

    expect(states).toEqual(['connecting', 'closed']);
  });

  it('stops after the real authorizer refuses the token three times, which Node lets it see', async () => {
    const client = clientFor('alice', 'unused', {
      credentials: undefined,
      httpUrl: undefined,
      getToken: async () => 'not-a-jwt',
      backoff: { minMs: 50, maxMs: 200 },
    });
    const retries: string[] = [];
    client.on('retry', ({ error }) => retries.push(error.message));

    const failure = await client.connect().catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(AuthenticationError);
    expect(retries).toEqual(['the handshake was refused with 401', 'the handshake was refused with 401']);
  });

  it('joins a room, sends, and both users receive the message in order', async () => {
    const alice = clientFor('alice', 'password1');
    const bob = clientFor('bob', 'password2');
    await Promise.all([alice.connect(), bob.connect()]);
    const aliceRoom = await alice.join('sdk-e2e');
    const bobRoom = await bob.join('sdk-e2e');
    const received: string[] = [];
    bobRoom.on('message', (message) => received.push(message.content));

    const ack = await aliceRoom.send('hello from the SDK');

    expect(ack).toMatchObject({ type: 'ack', seq: expect.any(Number) });
    await eventually(async () => expect(received).toEqual(['hello from the SDK']));
  });

  it('catches up after a reconnect with since = the last seq', async () => {
    const alice = clientFor('alice', 'password1');
    const bob = clientFor('bob', 'password2');
    await Promise.all([alice.connect(), bob.connect()]);
    const aliceRoom = await alice.join('sdk-e2e-catch-up');
    const bobRoom = await bob.join('sdk-e2e-catch-up');
    const received: number[] = [];
    bobRoom.on('message', (message) => received.push(message.seq));
    await aliceRoom.send('one');
    await eventually(async () => expect(received).toHaveLength(1));

    harness.stack.gateway.dropConnection(bob.user?.connectionId ?? '');
    await aliceRoom.send('two');

    await eventually(async () => expect(received).toEqual([1, 2]));
  });
});
