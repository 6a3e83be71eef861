import { describe, expect, it } from 'vitest';
import type { FakeSocket } from './support/fake-parley.ts';
import { connected, contents, type Harness, joined } from './support/harness.ts';
import { settle } from './support/manual-scheduler.ts';

const HANDOVER_MS = 110 * 60_000;

/** Holds the joins the second socket receives until the test releases them; membership starts at once. */
function holdJoinsOfNewSockets(harness: Harness) {
  const held: (() => void)[] = [];
  const first = harness.server.sockets[0];
  harness.server.handle('joinRoom', (request, socket) => {
    if (socket === first || request.action !== 'joinRoom')
      return harness.server.defaultHandle(request, socket);
    socket.rooms.add(request.room);
    held.push(() => harness.server.defaultHandle(request, socket));
  });
  return {
    get count() {
      return held.length;
    },
    release: async () => {
      for (const reply of held.splice(0)) reply();
      await settle();
    },
  };
}

describe('ParleyClient handover before the 2-hour limit', () => {
  it('connects the new socket and rejoins its rooms before closing the old one, staying connected', async () => {
    // Prepare
    const harness = await connected();
    const { server, scheduler } = harness;
    await joined(harness, 'general');
    await joined(harness, 'random');
    server.post('general', 'one');
    await settle();
    const joins = holdJoinsOfNewSockets(harness);

    // Act
    await scheduler.advance(HANDOVER_MS - 1);
    const socketsBefore = server.sockets.length;
    await scheduler.advance(1);
    const [old, replacement] = server.sockets as [FakeSocket, FakeSocket];
    const oldOpenWhileJoining = old.state;
    await joins.release();

    // Assess
    expect(socketsBefore).toBe(1);
    expect(replacement.sent('joinRoom').map(({ requestId: _, ...join }) => join)).toEqual([
      { action: 'joinRoom', room: 'general', since: 1, epoch: 'epoch1' },
      { action: 'joinRoom', room: 'random', since: 0, epoch: 'epoch1' },
    ]);
    expect(oldOpenWhileJoining).toBe('open');
    expect(old.closedByClient).toBe(1000);
    expect(replacement.state).toBe('open');
    expect(harness.states()).toEqual(['connecting', 'connected']);
    expect(harness.events.filter(([name]) => name === 'welcome')).toHaveLength(2);
  });

  it('misses nothing and repeats nothing across the overlap', async () => {
    // Prepare
    const harness = await connected();
    const { server, scheduler } = harness;
    const { room, messages } = await joined(harness);
    server.post('general', 'before');
    await settle();
    const joins = holdJoinsOfNewSockets(harness);
    const resumed: unknown[] = [];
    room.on('resumed', (info) => resumed.push(info));

    // Act: a message while both sockets are members, then the new socket's catch-up, then one after
    await scheduler.advance(HANDOVER_MS);
    server.post('general', 'during');
    await settle();
    await joins.release();
    server.post('general', 'after');
    await settle();

    // Assess
    expect(contents(messages)).toEqual(['before', 'during', 'after']);
    expect(server.open).toHaveLength(1);
    expect(resumed).toEqual([]); // nothing to tell the application
  });

  it('lets a send on the wire at the switch finish on the old socket, then closes it', async () => {
    // Prepare
    const harness = await connected();
    const { server, scheduler } = harness;
    const { room } = await joined(harness);
    const acks: (() => void)[] = [];
    server.handle('sendMessage', (request, socket) => acks.push(() => server.defaultHandle(request, socket)));

    // Act
    await scheduler.advance(HANDOVER_MS - 1_000);
    const sending = room.send('at the switch');
    await scheduler.advance(1_000);
    const [old] = server.sockets as [FakeSocket];
    const oldWhileAwaitingAck = old.state;
    for (const ack of acks.splice(0)) ack();
    await settle();

    // Assess
    await expect(sending).resolves.toMatchObject({ type: 'ack', seq: 1 });
    expect(oldWhileAwaitingAck).toBe('open');
    expect(old.closedByClient).toBe(1000);
    expect(server.sockets[1]?.sent('sendMessage')).toEqual([]);
    expect(server.room('general').seq).toBe(1);
  });

  it('queues sends made during the rejoin and sends them once, on the new socket, after it takes over', async () => {
    // Prepare
    const harness = await connected();
    const { server, scheduler } = harness;
    const { room, messages } = await joined(harness);
    const joins = holdJoinsOfNewSockets(harness);
    await scheduler.advance(HANDOVER_MS);
    server.sockets[0]?.drop(); // the old socket dies mid-handover, before its send

    // Act
    const sending = room.send('mid-handover');
    await settle();
    const sentBeforeTakeover = server.sockets[1]?.sent('sendMessage').length;
    await joins.release();

    // Assess
    await expect(sending).resolves.toMatchObject({ seq: 1 });
    expect(sentBeforeTakeover).toBe(0);
    expect(server.sockets[1]?.sent('sendMessage')).toHaveLength(1);
    expect(contents(messages)).toEqual(['mid-handover']);
    expect(harness.states()).toEqual(['connecting', 'connected']);
  });

  it('keeps the old connection when the new one fails, and tries again after a backoff', async () => {
    // Prepare
    const harness = await connected();
    const { server, scheduler } = harness;
    await joined(harness);
    server.handshakes.push({ refuse: 500 });

    // Act
    await scheduler.advance(HANDOVER_MS);
    const afterFailure = server.sockets.map((socket) => socket.state);
    await scheduler.advance(250);

    // Assess
    expect(afterFailure).toEqual(['open', 'closed']);
    expect(server.sockets.map((socket) => socket.state)).toEqual(['closed', 'closed', 'open']);
    expect(server.sockets[0]?.closedByClient).toBe(1000);
    expect(harness.states()).toEqual(['connecting', 'connected']);
  });

  it('closes the old connection after timeoutMs even when a reply on it never comes', async () => {
    // Prepare
    const harness = await connected();
    const { server, scheduler } = harness;
    await joined(harness);
    server.handle('presence', () => undefined);

    // Act
    await scheduler.advance(HANDOVER_MS - 1);
    const page = harness.client
      .room('general')
      ?.presence()
      .catch((error: unknown) => error);
    await scheduler.advance(1);
    const oldAtSwitch = server.sockets[0]?.state;
    await scheduler.advance(10_000);

    // Assess
    expect(oldAtSwitch).toBe('open');
    expect(server.sockets[0]?.state).toBe('closed');
    expect(await page).toMatchObject({ name: 'TimeoutError' });
  });

  it('leaves on both connections when the room is left mid-handover, and again after a late join', async () => {
    const harness = await connected();
    const { server, scheduler } = harness;
    const { room } = await joined(harness);
    const joins = holdJoinsOfNewSockets(harness);
    await scheduler.advance(HANDOVER_MS);

    await room.leave();
    await joins.release();

    // The new socket's join took effect after the leave (held here), so it is left again.
    expect(server.sockets.map((socket) => socket.sent('leaveRoom').length)).toEqual([1, 2]);
    expect(server.members('general')).toEqual([]);
  });

  it('hands over again 110 minutes after each handover', async () => {
    const { server, scheduler } = await connected();

    await scheduler.advance(HANDOVER_MS);
    await scheduler.advance(HANDOVER_MS);

    expect(server.sockets.map((socket) => socket.state)).toEqual(['closed', 'closed', 'open']);
  });
});
