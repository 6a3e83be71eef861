import { describe, expect, it } from 'vitest';
import { ClosedError, RefusedError, RoomClosedError } from '../../client/src/index.ts';
import type { SendMessageRequest } from '../../lambdas/core/wire.ts';
import { connected, contents, joined } from './support/harness.ts';
import { settle } from './support/manual-scheduler.ts';

const stored = (harness: Awaited<ReturnType<typeof connected>>, room = 'general') =>
  [...harness.server.room(room).stored.values()].map((entry) =>
    'content' in entry ? entry.content : '(deleted)',
  );

describe('Room.send', () => {
  it('resolves only with the server’s ack, and each message carries its own clientMsgId', async () => {
    // Prepare
    const harness = await connected();
    const { server } = harness;
    const { room } = await joined(harness);
    const acks: (() => void)[] = [];
    server.handle('sendMessage', (request, socket) => acks.push(() => server.defaultHandle(request, socket)));

    // Act
    let settled = false;
    const first = room.send('hi').finally(() => {
      settled = true;
    });
    await settle();
    const settledBeforeAck = settled;
    for (const ack of acks.splice(0)) ack();
    await settle();
    const second = room.send('there');
    await settle();
    for (const ack of acks.splice(0)) ack();

    // Assess
    expect(settledBeforeAck).toBe(false);
    await expect(first).resolves.toMatchObject({
      type: 'ack',
      room: 'general',
      id: 'msg-general-1',
      seq: 1,
      epoch: 'epoch1',
    });
    await expect(second).resolves.toMatchObject({ seq: 2 });
    const ids = server.last.sent('sendMessage').map((request) => request.clientMsgId);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    expect(ids.every((id) => /^[0-9a-z]+-[0-9a-z]+$/.test(id ?? ''))).toBe(true);
  });

  it('retries a send refused with RATE_LIMITED after retryAfter, keeping the order of the queue', async () => {
    // Prepare
    const harness = await connected();
    const { server, scheduler } = harness;
    const { room } = await joined(harness);
    let refused = false;
    server.handle('sendMessage', (request, socket) => {
      if (!refused) {
        refused = true;
        return socket.push({
          type: 'error',
          code: 'RATE_LIMITED',
          message: 'slow down',
          retryAfter: 700,
          requestId: request.requestId,
        });
      }
      server.defaultHandle(request, socket);
    });

    // Act
    const sends = ['a', 'b', 'c'].map((text) => room.send(text));
    await settle();
    await scheduler.advance(699);
    const framesDuringTheWait = server.last.sent('sendMessage').length;
    await scheduler.advance(1);

    // Assess
    expect(framesDuringTheWait).toBe(1);
    expect(await Promise.all(sends)).toMatchObject([{ seq: 1 }, { seq: 2 }, { seq: 3 }]);
    expect(stored(harness)).toEqual(['a', 'b', 'c']);
    expect(server.last.sent('sendMessage').map((request) => request.content)).toEqual(['a', 'a', 'b', 'c']);
  });

  it('pauses every request of the connection on RATE_LIMITED (the limit is per connection)', async () => {
    // Prepare
    const harness = await connected();
    const { server, scheduler } = harness;
    const { room } = await joined(harness);
    server.handle('sendMessage', (request, socket) =>
      socket.push({
        type: 'error',
        code: 'RATE_LIMITED',
        message: 'slow down',
        retryAfter: 500,
        requestId: request.requestId,
      }),
    );

    // Act
    const refusedForever = room.send('a').catch((error: unknown) => error);
    await settle();
    const history = room.history();
    await scheduler.advance(499);
    const historyDuringPause = server.last.sent('history').length;
    await scheduler.advance(1);

    // Assess
    expect(historyDuringPause).toBe(0);
    await expect(history).resolves.toMatchObject({ type: 'history' });
    await harness.client.close();
    expect(await refusedForever).toBeInstanceOf(ClosedError);
  });

  it('waits ROOM_BUSY out in that room only', async () => {
    // Prepare
    const harness = await connected();
    const { server, scheduler } = harness;
    const busy = await joined(harness, 'busy');
    const quiet = await joined(harness, 'quiet');
    let refused = false;
    server.handle('sendMessage', (request, socket) => {
      if (request.action === 'sendMessage' && request.room === 'busy' && !refused) {
        refused = true;
        return socket.push({
          type: 'error',
          code: 'ROOM_BUSY',
          message: 'busy',
          retryAfter: 2_000,
          room: 'busy',
          requestId: request.requestId,
        });
      }
      server.defaultHandle(request, socket);
    });

    // Act
    const inBusy = busy.room.send('in busy');
    await settle();
    const inQuiet = quiet.room.send('in quiet');
    await settle();
    const quietAck = await inQuiet;
    await scheduler.advance(2_000);

    // Assess
    expect(quietAck).toMatchObject({ room: 'quiet', seq: 1 });
    await expect(inBusy).resolves.toMatchObject({ room: 'busy', seq: 1 });
  });

  it('queues sends made while disconnected and delivers them exactly once, in order, after the rejoin', async () => {
    // Prepare
    const harness = await connected();
    const { server, scheduler } = harness;
    const { room, messages } = await joined(harness);
    server.last.drop();
    await settle();

    // Act
    const sends = [room.send('offline 1'), room.send('offline 2')];
    await settle();
    const pending = room.pendingSends;
    await scheduler.advance(250);

    // Assess
    expect(pending).toBe(2);
    expect(await Promise.all(sends)).toMatchObject([{ seq: 1 }, { seq: 2 }]);
    expect(server.last.requests.map((request) => request.action)).toEqual([
      'joinRoom',
      'sendMessage',
      'sendMessage',
    ]);
    expect(stored(harness)).toEqual(['offline 1', 'offline 2']);
    expect(contents(messages)).toEqual(['offline 1', 'offline 2']);
    expect(room.pendingSends).toBe(0);
  });

  it('sends again with the same clientMsgId when the ack was lost with the connection: stored once', async () => {
    // Prepare: the server stores the message, then the connection dies before the ack
    const harness = await connected();
    const { server, scheduler } = harness;
    const { room, messages } = await joined(harness);
    server.handle('sendMessage', (request, socket) => {
      const send = request as SendMessageRequest;
      server.post(send.room, send.content, socket.username, send.clientMsgId);
      socket.drop();
      server.handle('sendMessage', server.defaultHandle);
    });

    // Act
    const sending = room.send('exactly once');
    await settle();
    await scheduler.advance(250);

    // Assess
    const [firstTry] = server.sockets[0]?.sent('sendMessage') ?? [];
    const [secondTry] = server.sockets[1]?.sent('sendMessage') ?? [];
    expect(secondTry?.clientMsgId).toBe(firstTry?.clientMsgId);
    await expect(sending).resolves.toMatchObject({ seq: 1, duplicate: true });
    expect(stored(harness)).toEqual(['exactly once']);
    expect(contents(messages)).toEqual(['exactly once']);
  });

  it('retransmits after a timeout with the same clientMsgId; the first ack settles it and the second changes nothing', async () => {
    // Prepare
    const harness = await connected();
    const { server, scheduler } = harness;
    const { room } = await joined(harness);
    const held: (() => void)[] = [];
    server.handle('sendMessage', (request, socket) => held.push(() => server.defaultHandle(request, socket)));

    // Act
    const first = room.send('slow');
    await scheduler.advance(10_000);
    const tries = server.last.sent('sendMessage');
    for (const reply of held.splice(0)) reply();
    await settle();
    const next = room.send('next');
    await settle();
    for (const reply of held.splice(0)) reply();

    // Assess
    expect(tries).toHaveLength(2);
    expect(tries[1]?.clientMsgId).toBe(tries[0]?.clientMsgId);
    await expect(first).resolves.toMatchObject({ seq: 1 });
    await expect(next).resolves.toMatchObject({ seq: 2 });
    expect(stored(harness)).toEqual(['slow', 'next']);
  });

  it('rejects a send refused for good and goes on with the next', async () => {
    const harness = await connected();
    const { server } = harness;
    const { room } = await joined(harness);
    server.handle('sendMessage', (request, socket) => {
      if (request.action === 'sendMessage' && request.content === 'forbidden') {
        return socket.push({
          type: 'error',
          code: 'FORBIDDEN',
          message: 'announcement room',
          requestId: request.requestId,
        });
      }
      server.defaultHandle(request, socket);
    });

    const refused = room.send('forbidden').catch((error: unknown) => error);
    const fine = room.send('fine');
    await settle();

    expect(await refused).toBeInstanceOf(RefusedError);
    expect(await refused).toMatchObject({ code: 'FORBIDDEN' });
    await expect(fine).resolves.toMatchObject({ seq: 1 });
  });

  it('retries INTERNAL_ERROR (stored or not, the clientMsgId makes it safe) at most three times', async () => {
    const harness = await connected();
    const { server, scheduler } = harness;
    const { room } = await joined(harness);
    server.handle('sendMessage', (request, socket) =>
      socket.push({ type: 'error', code: 'INTERNAL_ERROR', message: 'oops', requestId: request.requestId }),
    );

    const sending = room.send('unlucky').catch((error: unknown) => error);
    await scheduler.advance(5_000);

    expect(await sending).toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(server.last.sent('sendMessage')).toHaveLength(3);
  });

  it('leaves no retry behind when closed while waiting to retry an INTERNAL_ERROR', async () => {
    const harness = await connected();
    const { server, client, scheduler } = harness;
    const { room } = await joined(harness);
    server.handle('sendMessage', (request, socket) =>
      socket.push({ type: 'error', code: 'INTERNAL_ERROR', message: 'oops', requestId: request.requestId }),
    );

    const sending = room.send('unlucky').catch((error: unknown) => error);
    await settle();
    const waiting = scheduler.pendingDelays().length;
    await client.close();

    expect(waiting).toBeGreaterThan(0);
    expect(await sending).toBeInstanceOf(ClosedError);
    expect(scheduler.pendingDelays()).toEqual([]);
  });

  it('rejects the queue with RoomClosedError when the user is kicked, and the room closes', async () => {
    // Prepare
    const harness = await connected();
    const { server } = harness;
    const { room } = await joined(harness);
    server.handle('sendMessage', () => undefined);
    const sends = [room.send('one'), room.send('two')].map((sending) =>
      sending.catch((error: unknown) => error),
    );
    const closed: unknown[] = [];
    room.on('closed', (info) => closed.push(info));
    await settle();

    // Act
    server.last.push({ type: 'kicked', room: 'general', by: 'carol', reason: 'spam' });
    await settle();

    // Assess
    for (const outcome of await Promise.all(sends)) {
      expect(outcome).toBeInstanceOf(RoomClosedError);
      expect(outcome).toMatchObject({ room: 'general', reason: 'kicked' });
    }
    expect(closed).toEqual([{ reason: 'kicked' }]);
    expect(harness.client.room('general')).toBeUndefined();
  });

  it('rejects queued sends on leave() and on close()', async () => {
    const harness = await connected();
    const { server, client } = harness;
    const general = await joined(harness, 'general');
    const random = await joined(harness, 'random');
    server.handle('sendMessage', () => undefined);

    const left = general.room.send('left behind').catch((error: unknown) => error);
    const closedOut = random.room.send('closed out').catch((error: unknown) => error);
    await settle();
    await general.room.leave();
    await client.close();

    expect(await left).toMatchObject({ name: 'RoomClosedError', reason: 'left' });
    expect(await closedOut).toBeInstanceOf(ClosedError);
    await expect(general.room.send('after')).rejects.toThrow(RoomClosedError);
  });
});
