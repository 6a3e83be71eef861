/**
 * Every frame of protocol v1 reaches the application through a typed event or as the reply a
 * request resolves with. The table is keyed by `ServerFrameType`, so a frame added to wire.ts does
 * not compile here until it has a case.
 */
import { describe, expect, it } from 'vitest';
import {
  ConnectionLostError,
  RefusedError,
  type Room,
  type RoomEvents,
  type ServerFrame,
  type ServerFrameType,
  TimeoutError,
} from '../../client/src/index.ts';
import type { ClientRequest } from '../../lambdas/core/wire.ts';
import type { FakeSocket } from './support/fake-parley.ts';
import { connected, type Harness, joined } from './support/harness.ts';
import { settle } from './support/manual-scheduler.ts';

const time = '2030-01-01T00:00:00.000Z';

/** Replies to the next request of `action` with `frame` (its requestId added). */
function replyWith(harness: Harness, action: ClientRequest['action'], frame: ServerFrame) {
  harness.server.handle(action, (request, socket) =>
    socket.push({ ...frame, requestId: request.requestId } as ServerFrame),
  );
}

function roomEvent<K extends keyof RoomEvents>(room: Room, event: K): Promise<RoomEvents[K][0]> {
  return new Promise((resolve) => room.on(event, (value) => resolve(value)));
}

type Case = (
  harness: Harness,
  room: Room,
  socket: FakeSocket,
) => Promise<{ pushed: ServerFrame; seen: unknown }>;

/** Pushes `frame` unasked and returns what the room emitted for it. */
const roomFrame =
  <K extends keyof RoomEvents>(event: K, frame: ServerFrame): Case =>
  async (_harness, room, socket) => {
    const seen = roomEvent(room, event);
    socket.push(frame);
    return { pushed: frame, seen: await seen };
  };

/** Pushes `frame` unasked and returns the client event it caused. */
const clientFrame =
  (event: string, frame: ServerFrame): Case =>
  async (harness, _room, socket) => {
    socket.push(frame);
    await settle();
    const seen = harness.events.filter(([name]) => name === event).at(-1)?.[1];
    return { pushed: frame, seen };
  };

/** Answers `action` with `frame` and returns what `ask` resolved with. */
const replyFrame =
  (
    action: ClientRequest['action'],
    frame: ServerFrame,
    ask: (harness: Harness, room: Room) => Promise<unknown>,
  ): Case =>
  async (harness, room) => {
    replyWith(harness, action, frame);
    const answer = ask(harness, room);
    await settle();
    const { requestId: _, ...seen } = (await answer) as { requestId?: string };
    return { pushed: frame, seen };
  };

const cases: { [T in ServerFrameType]: Case } = {
  welcome: async (harness) => ({
    pushed: harness.server.welcomeFor(harness.server.last),
    seen: harness.client.user,
  }),
  joined: roomFrame('joined', { type: 'joined', room: 'general', userId: 'sub-bob', username: 'bob', time }),
  left: roomFrame('left', { type: 'left', room: 'general', userId: 'sub-bob', username: 'bob', time }),
  message: roomFrame('message', {
    type: 'message',
    room: 'general',
    epoch: 'epoch1',
    seq: 1,
    id: '01J',
    content: 'hi',
    userId: 'sub-bob',
    username: 'bob',
    time,
  }),
  ack: replyFrame(
    'sendMessage',
    { type: 'ack', room: 'general', id: '01J', seq: 1, epoch: 'epoch1' },
    (_h, room) => room.send('hi'),
  ),
  messageDeleted: roomFrame('messageDeleted', {
    type: 'messageDeleted',
    room: 'general',
    seq: 4,
    by: 'carol',
  }),
  history: replyFrame(
    'history',
    {
      type: 'history',
      room: 'general',
      epoch: 'epoch1',
      messages: [{ seq: 1, deleted: true }],
      hasMore: false,
    },
    (_h, room) => room.history({ before: 2 }),
  ),
  pong: async (harness, _room, socket) => {
    const seen = new Promise((resolve) =>
      harness.client.on('frame', (frame) => frame.type === 'pong' && resolve(frame)),
    );
    const pushed: ServerFrame = { type: 'pong', time };
    socket.push(pushed);
    return { pushed, seen: await seen };
  },
  error: clientFrame('error', { type: 'error', code: 'INTERNAL_ERROR', message: 'something failed' }),
  reauthenticated: clientFrame('reauthenticated', {
    type: 'reauthenticated',
    expiresAt: '2030-01-01T02:00:00.000Z',
  }),
  reauth_required: clientFrame('reauthRequired', {
    type: 'reauth_required',
    expiresAt: '2030-01-01T01:00:00.000Z',
    closesAt: '2030-01-01T01:00:30.000Z',
  }),
  closing: clientFrame('closing', {
    type: 'closing',
    code: 'SERVER_RESTART',
    reason: 'restarting',
    reconnect: true,
  }),
  roomCreated: replyFrame(
    'createRoom',
    {
      type: 'roomCreated',
      room: 'new',
      visibility: 'private',
      posting: 'moderators',
      title: 'New',
      owner: 'alice',
      epoch: 'e9',
    },
    (harness) =>
      harness.client.createRoom('new', { visibility: 'private', posting: 'moderators', title: 'New' }),
  ),
  roomUpdated: roomFrame('roomUpdated', {
    type: 'roomUpdated',
    room: 'general',
    visibility: 'public',
    posting: 'moderators',
    title: 'Announcements',
    by: 'carol',
  }),
  roomDeleted: roomFrame('roomDeleted', { type: 'roomDeleted', room: 'general', by: 'dave' }),
  rooms: replyFrame(
    'listRooms',
    {
      type: 'rooms',
      rooms: [{ room: 'general', title: 'general', visibility: 'public', posting: 'everyone', members: 3 }],
      cursor: 'next',
    },
    (harness) => harness.client.listRooms(),
  ),
  invited: clientFrame('invited', { type: 'invited', room: 'secret', by: 'carol' }),
  kicked: roomFrame('kicked', {
    type: 'kicked',
    room: 'general',
    by: 'carol',
    reason: 'spam',
    banned: true,
    until: time,
  }),
  roleChanged: roomFrame('roleChanged', {
    type: 'roleChanged',
    room: 'general',
    username: 'bob',
    role: 'moderator',
    by: 'carol',
  }),
  presence: roomFrame('presence', {
    type: 'presence',
    room: 'general',
    count: 1,
    users: [{ userId: 'sub-bob', username: 'bob', connections: 2, since: time }],
  }),
  occupancy: roomFrame('occupancy', { type: 'occupancy', room: 'general', count: 1_250 }),
  notification: clientFrame('notification', {
    type: 'notification',
    id: 'n1',
    title: 'Maintenance',
    content: 'at noon',
    data: { window: 30 },
    from: 'service',
    time,
  }),
  done: replyFrame('kick', { type: 'done', action: 'kick', room: 'general', username: 'bob' }, (_h, room) =>
    room.kick('bob', 'spam'),
  ),
};

describe('every server frame reaches the application', () => {
  it.each(Object.entries(cases))('%s', async (_type, run) => {
    // Prepare
    const harness = await connected();
    const { room } = await joined(harness);

    // Act
    const { pushed, seen } = await run(harness, room, harness.server.last);

    // Assess
    if (pushed.type === 'error')
      expect(seen).toMatchObject({ name: 'RefusedError', code: 'INTERNAL_ERROR', detail: pushed });
    else expect(seen).toEqual(pushed);
  });

  it('passes every frame, replies included, to `frame` listeners as it arrives', async () => {
    const harness = await connected();
    const frames: string[] = [];
    harness.client.on('frame', (frame) => frames.push(frame.type));
    await joined(harness);
    harness.server.post('general', 'hi');
    await settle();
    expect(frames).toEqual(['joined', 'message']);
  });

  it('keeps room state from the frames: role, title, posting, members', async () => {
    const harness = await connected();
    const { room } = await joined(harness);
    const socket = harness.server.last;
    expect(room).toMatchObject({
      role: 'member',
      title: 'general',
      visibility: 'public',
      posting: 'everyone',
      members: 1,
    });

    socket.push({ type: 'roleChanged', room: 'general', username: 'alice', role: 'moderator', by: 'carol' });
    socket.push({
      type: 'roomUpdated',
      room: 'general',
      visibility: 'private',
      posting: 'moderators',
      title: 'Ops',
      by: 'carol',
    });
    socket.push({ type: 'occupancy', room: 'general', count: 300 });
    await settle();

    expect(room).toMatchObject({
      role: 'moderator',
      title: 'Ops',
      visibility: 'private',
      posting: 'moderators',
      members: 300,
    });
  });

  it.each([
    ['kicked', { type: 'kicked', room: 'general', by: 'carol', reason: 'spam' }, 'kicked'],
    ['roomDeleted', { type: 'roomDeleted', room: 'general', by: 'dave' }, 'deleted'],
    [
      'left (self)',
      { type: 'left', room: 'general', userId: 'sub-alice', username: 'alice', time, self: true },
      'left',
    ],
  ] as const)('closes the room after %s', async (_name, frame, reason) => {
    const harness = await connected();
    const { room } = await joined(harness);
    const closed = roomEvent(room, 'closed');

    harness.server.last.push(frame);

    expect(await closed).toEqual({ reason });
    expect(room.state).toBe('closed');
    expect(harness.client.room('general')).toBeUndefined();
  });
});

describe('requests', () => {
  it.each<[string, (room: Room, harness: Harness) => Promise<unknown>, Record<string, unknown>]>([
    ['invite', (room) => room.invite('bob'), { action: 'invite', room: 'general', username: 'bob' }],
    ['uninvite', (room) => room.uninvite('bob'), { action: 'uninvite', room: 'general', username: 'bob' }],
    [
      'kick',
      (room) => room.kick('bob', 'spam'),
      { action: 'kick', room: 'general', username: 'bob', reason: 'spam' },
    ],
    [
      'ban',
      (room) => room.ban('bob', { seconds: 3_600, reason: 'spam' }),
      { action: 'ban', room: 'general', username: 'bob', seconds: 3_600, reason: 'spam' },
    ],
    ['unban', (room) => room.unban('bob'), { action: 'unban', room: 'general', username: 'bob' }],
    [
      'setRole',
      (room) => room.setRole('bob', 'moderator'),
      { action: 'setRole', room: 'general', username: 'bob', role: 'moderator' },
    ],
    ['deleteMessage', (room) => room.deleteMessage(7), { action: 'deleteMessage', room: 'general', seq: 7 }],
    [
      'updateRoom',
      (room) => room.update({ title: 'Ops' }),
      { action: 'updateRoom', room: 'general', title: 'Ops' },
    ],
    ['deleteRoom', (room) => room.delete(), { action: 'deleteRoom', room: 'general' }],
    ['presence', (room) => room.presence('c1'), { action: 'presence', room: 'general', cursor: 'c1' }],
    [
      'history',
      (room) => room.history({ before: 9, limit: 20 }),
      { action: 'history', room: 'general', before: 9, limit: 20 },
    ],
    ['listRooms', (_room, h) => h.client.listRooms('c2'), { action: 'listRooms', cursor: 'c2' }],
    [
      'createRoom',
      (_room, h) => h.client.createRoom('ops', { visibility: 'private' }),
      { action: 'createRoom', room: 'ops', visibility: 'private' },
    ],
    [
      'request',
      (_room, h) => h.client.request({ action: 'ban', room: 'other', username: 'eve' }),
      { action: 'ban', room: 'other', username: 'eve' },
    ],
  ])(
    '%s sends exactly the protocol request, with a requestId, and resolves with its reply',
    async (_name, ask, expected) => {
      const harness = await connected();
      const { room } = await joined(harness);

      const answer = ask(room, harness);
      await settle();

      const request = harness.server.last.requests.at(-1);
      expect(request).toEqual({ ...expected, requestId: expect.stringMatching(/^[0-9a-z]{1,64}$/) });
      await expect(answer).resolves.toMatchObject({ requestId: request?.requestId });
    },
  );

  it('rejects a refusal with RefusedError carrying the error frame', async () => {
    const harness = await connected();
    const { room } = await joined(harness);
    replyWith(harness, 'ban', {
      type: 'error',
      code: 'FORBIDDEN',
      message: 'members may not ban',
      action: 'ban',
      room: 'general',
    });

    const failure = await room.ban('bob').catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(RefusedError);
    expect(failure).toMatchObject({
      code: 'FORBIDDEN',
      message: 'FORBIDDEN: members may not ban',
      detail: { action: 'ban', room: 'general' },
    });
  });

  it('rejects with TimeoutError when no reply comes within timeoutMs', async () => {
    const harness = await connected({ timeoutMs: 3_000 });
    const { room } = await joined(harness);
    harness.server.handle('presence', () => undefined);

    const failure = room.presence().catch((error: unknown) => error);
    await harness.scheduler.advance(3_000);

    expect(await failure).toBeInstanceOf(TimeoutError);
    expect(await failure).toMatchObject({ message: 'no reply to presence within 3000 ms' });
  });

  it('rejects with ConnectionLostError when the connection drops before the reply', async () => {
    const harness = await connected();
    const { room } = await joined(harness);
    harness.server.handle('deleteMessage', (_request, socket) => socket.drop());

    const failure = room.deleteMessage(3).catch((error: unknown) => error);
    await settle();

    expect(await failure).toBeInstanceOf(ConnectionLostError);
  });

  it('keeps at most 8 requests on the wire, so a burst of refusals never reaches the server’s limit of 20', async () => {
    // Prepare: 30 rooms to rejoin at once; the server holds its answers
    const harness = await connected();
    const { server, scheduler } = harness;
    for (let i = 0; i < 30; i++) await joined(harness, `room-${i}`);
    const held: (() => void)[] = [];
    server.handle('joinRoom', (request, socket) => held.push(() => server.defaultHandle(request, socket)));
    server.last.drop();

    // Act
    await scheduler.advance(250);
    const onTheWire = server.last.sent('joinRoom').length;
    for (let round = 0; round < 5 && held.length > 0; round++) {
      for (const reply of held.splice(0)) reply();
      await settle();
    }

    // Assess
    expect(onTheWire).toBe(8);
    expect(server.last.sent('joinRoom')).toHaveLength(30);
    expect(harness.client.rooms.every((room) => room.state === 'joined')).toBe(true);
  });

  it('holds requests made while reconnecting until the connection is back', async () => {
    const harness = await connected();
    const { room } = await joined(harness);
    harness.server.last.drop();
    await settle();

    const page = room.history();
    await settle();
    const sentWhileDown = harness.server.sockets.flatMap((socket) => socket.sent('history')).length;
    await harness.scheduler.advance(250);

    expect(sentWhileDown).toBe(0);
    await expect(page).resolves.toMatchObject({ type: 'history' });
  });
});
