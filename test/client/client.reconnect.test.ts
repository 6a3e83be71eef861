import { describe, expect, it } from 'vitest';
import { RefusedError, type RoomEvents, ServerClosedError } from '../../client/src/index.ts';
import { connected, contents, createHarness, joined } from './support/harness.ts';
import { settle } from './support/manual-scheduler.ts';

/** Records a room event. */
function record<K extends keyof RoomEvents>(
  room: { on(event: K, listener: (...args: RoomEvents[K]) => void): unknown },
  event: K,
) {
  const seen: RoomEvents[K][0][] = [];
  room.on(event, (value) => seen.push(value));
  return seen;
}

describe('ParleyClient reconnecting', () => {
  it('reconnects after the connection drops and rejoins every room with since = the last seq and its epoch', async () => {
    // Prepare
    const harness = await connected();
    const { server, scheduler, client } = harness;
    const general = await joined(harness, 'general');
    await joined(harness, 'random');
    for (const text of ['one', 'two', 'three']) server.post('general', text);
    await settle();
    const resumed = record(general.room, 'resumed');

    // Act
    server.last.drop();
    await settle();
    const stateWhileDown = client.state;
    await scheduler.advance(250);

    // Assess
    expect(stateWhileDown).toBe('reconnecting');
    expect(harness.states()).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
    expect(server.sockets).toHaveLength(2);
    expect(server.last.sent('joinRoom').map(({ requestId: _, ...join }) => join)).toEqual([
      { action: 'joinRoom', room: 'general', since: 3, epoch: 'epoch1' },
      { action: 'joinRoom', room: 'random', since: 0, epoch: 'epoch1' },
    ]);
    expect(resumed).toEqual([{ recovered: true, epochChanged: false }]);
    expect(general.room.state).toBe('joined');
  });

  it('delivers what was missed while disconnected once each, in order, dropping duplicates by seq', async () => {
    // Prepare
    const harness = await connected();
    const { server, scheduler } = harness;
    const { messages } = await joined(harness);
    server.post('general', 'one');
    server.post('general', 'two');
    await settle();
    server.last.drop();
    await settle();
    server.post('general', 'three'); // nobody connected receives these live
    server.post('general', 'four');
    // The rejoin's catch-up overlaps the live stream: the server sends 2 to 4 again, then 4 live.
    server.handle('joinRoom', (request, socket) => {
      server.defaultHandle(request, socket);
      socket.push(server.messageFrame('general', server.room('general').stored.get(2) as never, true));
      socket.push(server.messageFrame('general', server.room('general').stored.get(4) as never));
    });

    // Act
    await scheduler.advance(250);
    server.post('general', 'five');
    await settle();

    // Assess
    expect(contents(messages)).toEqual(['one', 'two', 'three', 'four', 'five']);
    expect(messages.map((message) => message.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(messages.map((message) => message.replayed ?? false)).toEqual([false, false, true, true, false]);
  });

  it('reports recovered:false and the lost numbers when the server no longer has what was missed', async () => {
    // Prepare
    const harness = await connected();
    const { server, scheduler } = harness;
    const { room, messages } = await joined(harness);
    server.post('general', 'one');
    await settle();
    server.last.drop();
    await settle();
    for (let i = 2; i <= 12; i++) server.post('general', `m${i}`);
    server.room('general').oldest = 10; // 2 to 9 are past the retention
    const resumed = record(room, 'resumed');
    const gaps = record(room, 'gap');

    // Act
    await scheduler.advance(250);

    // Assess
    expect(resumed).toEqual([{ recovered: false, epochChanged: false }]);
    expect(gaps).toEqual([{ after: 1, before: 10 }]);
    expect(contents(messages)).toEqual(['one', 'm10', 'm11', 'm12']);
    expect(room.lastSeq).toBe(12);
  });

  it('starts from 1 again when the room was recreated while disconnected (a new epoch)', async () => {
    // Prepare
    const harness = await connected();
    const { server, scheduler } = harness;
    const { room, messages } = await joined(harness);
    server.post('general', 'old one');
    server.post('general', 'old two');
    await settle();
    server.last.drop();
    await settle();
    server.rooms.set('general', {
      epoch: 'epoch2',
      seq: 0,
      stored: new Map(),
      oldest: 1,
      byClientMsgId: new Map(),
    });
    server.post('general', 'new one');
    const resumed = record(room, 'resumed');

    // Act
    await scheduler.advance(250);

    // Assess
    expect(resumed).toEqual([{ recovered: false, epochChanged: true }]);
    expect(contents(messages)).toEqual(['old one', 'old two', 'new one']);
    expect(messages.at(-1)).toMatchObject({ seq: 1, epoch: 'epoch2' });
    expect(room.epoch).toBe('epoch2');
  });

  it('pages on with history { after: lastSeq } when the catch-up was incomplete', async () => {
    // Prepare
    const harness = await connected();
    const { server, scheduler } = harness;
    const { messages } = await joined(harness);
    server.last.drop();
    await settle();
    for (let i = 1; i <= 7; i++) server.post('general', `m${i}`);
    server.replayLimit = 3;

    // Act
    await scheduler.advance(250);

    // Assess
    expect(contents(messages)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    expect(server.last.sent('history').map(({ requestId: _, ...page }) => page)).toEqual([
      { action: 'history', room: 'general', after: 3, limit: 100 },
    ]);
  });

  it('starts the backoff afresh after a connection that lasted, and backs off further while they die young', async () => {
    // Prepare
    const harness = await connected();
    const { server, scheduler, events } = harness;
    const delays = () =>
      events.filter(([name]) => name === 'retry').map(([, info]) => (info as { delayMs: number }).delayMs);

    // Act: two connections that die at once, then one that lives a minute
    server.last.drop();
    await scheduler.advance(250);
    server.last.drop();
    await scheduler.advance(500);
    await scheduler.advance(60_000);
    server.last.drop();
    await scheduler.advance(250);

    // Assess
    expect(delays()).toEqual([250, 500, 250]);
  });

  it('never rejoins a room that was left', async () => {
    const harness = await connected();
    const { room } = await joined(harness, 'general');
    await joined(harness, 'random');
    const leaving = room.leave();
    await settle();
    await leaving;

    harness.server.last.drop();
    await harness.scheduler.advance(250);

    expect(harness.server.sockets[0]?.sent('leaveRoom').map(({ requestId: _, ...leave }) => leave)).toEqual([
      { action: 'leaveRoom', room: 'general' },
    ]);
    expect(harness.server.last.sent('joinRoom').map((join) => join.room)).toEqual(['random']);
    expect(harness.client.room('general')).toBeUndefined();
    expect(room.state).toBe('closed');
  });

  it('rejects join() with the refusal when the first join is refused, and forgets the room', async () => {
    const harness = await connected();
    harness.server.handle('joinRoom', (request, socket) =>
      socket.push({
        type: 'error',
        code: 'FORBIDDEN',
        message: 'private room',
        action: 'joinRoom',
        requestId: request.requestId,
      }),
    );

    const failure = harness.client.join('secret').catch((error: unknown) => error);
    await settle();

    expect(await failure).toBeInstanceOf(RefusedError);
    expect(await failure).toMatchObject({ code: 'FORBIDDEN' });
    expect(harness.client.room('secret')).toBeUndefined();
  });

  it('rejects join() with TimeoutError when the server never confirms the first join', async () => {
    const harness = await connected();
    harness.server.handle('joinRoom', () => undefined);

    const failure = harness.client.join('slow').catch((error: unknown) => error);
    await harness.scheduler.advance(10_000);

    expect(await failure).toMatchObject({
      name: 'TimeoutError',
      message: 'no reply to joinRoom within 10000 ms',
    });
    expect(harness.client.room('slow')).toBeUndefined();
  });

  it('asks again when a rejoin times out, keeping the room', async () => {
    const harness = await connected();
    const { server, scheduler } = harness;
    const { room } = await joined(harness);
    server.last.drop();
    let ignored = 0;
    server.handle('joinRoom', (request, socket) => {
      if (ignored++ === 0) return;
      server.defaultHandle(request, socket);
    });

    await scheduler.advance(250);
    await scheduler.advance(10_000);

    expect(server.last.sent('joinRoom')).toHaveLength(2);
    expect(room.state).toBe('joined');
  });

  it('closes a room whose rejoin is refused, saying why', async () => {
    // Prepare
    const harness = await connected();
    const { server, scheduler, client } = harness;
    const { room } = await joined(harness);
    const closed = record(room, 'closed');
    server.handle('joinRoom', (request, socket) =>
      socket.push({
        type: 'error',
        code: 'BANNED',
        message: 'banned',
        action: 'joinRoom',
        room: 'general',
        requestId: request.requestId,
      }),
    );

    // Act
    server.last.drop();
    await scheduler.advance(250);

    // Assess
    expect(closed).toEqual([{ reason: 'refused', error: expect.any(RefusedError) }]);
    expect((closed[0] as { error?: RefusedError }).error?.code).toBe('BANNED');
    expect(client.room('general')).toBeUndefined();
    await expect(room.send('hello?')).rejects.toMatchObject({ name: 'RoomClosedError', reason: 'closed' });
  });
});

describe('ParleyClient closing frames', () => {
  it.each(['LOGGED_OUT', 'CLOSED_BY_ADMIN', 'REAUTH_USER_MISMATCH'] as const)(
    'stops on closing %s with reconnect:false, with the closed state and a ServerClosedError',
    async (code) => {
      // Prepare
      const harness = await connected();
      const { server, scheduler, client, events } = harness;
      const { room } = await joined(harness);
      const sending = room.send('too late').catch((error: unknown) => error);

      // Act
      server.handle('sendMessage', () => undefined);
      server.last.push({ type: 'closing', code, reason: 'bye', reconnect: false });
      server.last.drop();
      await scheduler.advance(60_000);

      // Assess
      expect(events).toContainEqual(['closing', { type: 'closing', code, reason: 'bye', reconnect: false }]);
      expect(events).toContainEqual(['error', expect.any(ServerClosedError)]);
      expect(harness.states().at(-1)).toBe('closed');
      expect(client.state).toBe('closed');
      expect(server.sockets).toHaveLength(1);
      expect(await sending).toMatchObject({ name: 'ClosedError', cause: { code } });
    },
  );

  it('reconnects after closing SERVER_RESTART with reconnect:true', async () => {
    const harness = await connected();
    const { server, scheduler } = harness;

    server.last.push({
      type: 'closing',
      code: 'SERVER_RESTART',
      reason: 'the server is restarting; reconnect',
      reconnect: true,
    });
    server.last.drop(1001);
    await scheduler.advance(250);

    expect(harness.states()).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
    expect(server.sockets).toHaveLength(2);
  });

  it('reconnects with a fresh token after closing TOKEN_EXPIRED, which a new token cures', async () => {
    const harness = await connected();
    const { server, scheduler } = harness;

    server.last.push({ type: 'closing', code: 'TOKEN_EXPIRED', reason: 'expired', reconnect: false });
    server.last.drop();
    await scheduler.advance(250);

    expect(server.calls('/refresh')).toHaveLength(1);
    expect(harness.client.state).toBe('connected');
    expect(server.sockets).toHaveLength(2);
  });
});

describe('ParleyClient liveness', () => {
  it('pings after pingIntervalMs without sending anything, and not while it keeps sending', async () => {
    // Prepare
    const harness = await connected({ pingIntervalMs: 60_000 });
    const { server, scheduler } = harness;
    const { room } = await joined(harness);

    // Act: a send at 40 s postpones the ping to 100 s
    await scheduler.advance(40_000);
    void room.send('keeping busy');
    await scheduler.advance(59_000);
    const pingsBefore = server.last.sent('ping').length;
    await scheduler.advance(1_000);

    // Assess
    expect(pingsBefore).toBe(0);
    expect(server.last.sent('ping')).toHaveLength(1);
    await scheduler.advance(60_000);
    expect(server.last.sent('ping')).toHaveLength(2);
  });

  it('pings every 5 minutes by default, inside API Gateway’s 10-minute idle timeout', async () => {
    const { server, scheduler } = await connected();
    await scheduler.advance(299_999);
    expect(server.last.sent('ping')).toHaveLength(0);
    await scheduler.advance(1);
    expect(server.last.sent('ping')).toHaveLength(1);
  });

  it('takes an unanswered ping for a dead connection, closes it and reconnects', async () => {
    // Prepare
    const harness = await connected({ pingIntervalMs: 60_000 });
    const { server, scheduler } = harness;
    server.handle('ping', () => undefined);

    // Act
    await scheduler.advance(60_000 + 10_000);
    const dead = server.sockets[0];
    server.handle('ping', server.defaultHandle);
    await scheduler.advance(250);

    // Assess
    expect(dead?.closedByClient).toBe(4000);
    expect(harness.states()).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
  });

  it('probes with a ping when the page becomes visible again (after sleep the socket may be dead)', async () => {
    const harness = await connected();
    const { server, page, scheduler } = harness;
    server.handle('ping', () => undefined);

    page.emit('visible');
    await settle();
    expect(server.last.sent('ping')).toHaveLength(1);
    await scheduler.advance(10_000);

    expect(server.sockets[0]?.closedByClient).toBe(4000);
    expect(harness.client.state).toBe('reconnecting');
  });

  it('probes the connection with a ping when the device goes offline', async () => {
    const { server, page } = await connected();

    page.emit('offline');
    page.emit('hidden');
    await settle();

    expect(server.last.sent('ping')).toHaveLength(1);
  });

  it('waits for the online event after losing the connection offline, then reconnects at once', async () => {
    // Prepare
    const harness = await connected();
    const { server, page, scheduler } = harness;
    page.emit('offline');
    await settle();
    server.last.drop();

    // Act
    await scheduler.advance(60_000);
    const socketsWhileOffline = server.sockets.length;
    page.emit('online');
    await settle();

    // Assess
    expect(socketsWhileOffline).toBe(1);
    expect(server.sockets).toHaveLength(2);
    expect(harness.client.state).toBe('connected');
  });

  it('makes one attempt at a time, whatever page events arrive while it is under way', async () => {
    // Prepare: the login takes a while
    const harness = createHarness();
    const { client, server, page, scheduler } = harness;
    server.http['/login']?.push({ status: 503 });

    // Act
    const connecting = client.connect();
    await settle();
    page.emit('online');
    page.emit('visible');
    page.emit('online');
    await scheduler.advance(250);
    await connecting;

    // Assess
    expect(server.calls('/login')).toHaveLength(2);
    expect(server.sockets).toHaveLength(1);
  });

  it('lets connect() while reconnecting wait for the connection already being made', async () => {
    const harness = await connected();
    const { client, server, scheduler, page } = harness;
    server.last.drop();
    await settle();

    const again = client.connect();
    await scheduler.advance(250);
    await again;

    expect(server.sockets).toHaveLength(2);
    expect(page.watchers).toBe(1);
  });

  it('looks again every maxMs while offline, in case the online event never comes', async () => {
    const harness = await connected();
    const { server, page, scheduler } = harness;
    page.isOnline = false;
    server.last.drop();
    await scheduler.advance(250);
    const whileOffline = server.sockets.length;

    page.isOnline = true; // no event
    await scheduler.advance(20_000);

    expect(whileOffline).toBe(1);
    expect(server.sockets).toHaveLength(2);
    expect(harness.client.state).toBe('connected');
  });

  it('stops watching the page once closed', async () => {
    const { client, page } = await connected();
    expect(page.watchers).toBe(1);
    await client.close();
    expect(page.watchers).toBe(0);
  });
});
