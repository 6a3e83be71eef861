/**
 * Rooms with rules, through the session (every action a client can send) over the in-memory world:
 * room kinds, moderation, presence by user, occupancy, limits.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { announceDepartures } from '../../lambdas/core/presence.ts';
import type { ClientRequest } from '../../lambdas/core/protocol.ts';
import { CLIENT_ACTIONS } from '../../lambdas/core/protocol.ts';
import { ok } from '../../lambdas/core/result.ts';
import { handleClientFrame } from '../../lambdas/core/session.ts';
import type { ServerFrame } from '../../lambdas/core/wire.ts';
import { defaultRules, MemoryWorld } from '../fixtures/memory-world.ts';

const everything = new Set([...CLIENT_ACTIONS, 'text' as const]);

let world: MemoryWorld;
/** Sends a request as a connection and returns what that connection received because of it. */
async function send(connectionId: string, request: ClientRequest): Promise<ServerFrame[]> {
  const caller = world.connectionRecords.get(connectionId);
  if (!caller) throw new Error(`no connection ${connectionId}`);
  const before = world.framesOf(connectionId).length;
  await handleClientFrame(world.deps(), caller, { kind: 'request', request }, everything);
  return world.framesOf(connectionId).slice(before);
}
const types = (frames: ServerFrame[]) => frames.map((frame) => frame.type);
const errorCode = (frames: ServerFrame[]) =>
  frames.find((frame): frame is Extract<ServerFrame, { type: 'error' }> => frame.type === 'error')?.code;

beforeEach(() => {
  world = new MemoryWorld();
  world.connect('alice', 'alice');
  world.connect('bob', 'bob');
  world.connect('carol', 'carol', ['moderator']);
  world.connect('dave', 'dave', ['admin']);
  world.connect('erin', 'erin');
});

describe('room kinds', () => {
  it('creates a public room owned by whoever joins an unknown name, and confirms the join to the joiner', async () => {
    // Act
    const frames = await send('alice', { action: 'joinRoom', room: 'general', requestId: 'j' });

    // Assess
    expect(frames).toEqual([
      expect.objectContaining({
        type: 'joined',
        room: 'general',
        self: true,
        role: 'owner',
        visibility: 'public',
        posting: 'everyone',
        members: 1,
        requestId: 'j',
      }),
    ]);
    expect(world.rooms.get('general')?.record.owner).toBe('alice');
  });

  it('answers createRoom with roomCreated and joins the creator; a taken name gets ROOM_EXISTS', async () => {
    // Act
    const created = await send('alice', {
      action: 'createRoom',
      room: 'ops',
      visibility: 'private',
      posting: 'moderators',
      title: 'Operations',
      requestId: 'c',
    });
    const taken = await send('bob', { action: 'createRoom', room: 'ops' });

    // Assess
    expect(created[0]).toEqual({
      type: 'roomCreated',
      room: 'ops',
      visibility: 'private',
      posting: 'moderators',
      title: 'Operations',
      owner: 'alice',
      epoch: expect.any(String),
      requestId: 'c',
    });
    expect(created[1]).toMatchObject({ type: 'joined', self: true, role: 'owner' });
    expect(errorCode(taken)).toBe('ROOM_EXISTS');
  });

  it('keeps a private room closed to the uninvited and tells them nothing of it', async () => {
    // Prepare
    await send('alice', { action: 'createRoom', room: 'ops', visibility: 'private' });
    await send('alice', { action: 'sendMessage', room: 'ops', content: 'secret plans' });

    // Act
    const joined = await send('bob', { action: 'joinRoom', room: 'ops' });
    const presence = await send('bob', { action: 'presence', room: 'ops' });
    const listed = await send('bob', { action: 'listRooms' });

    // Assess
    expect(errorCode(joined)).toBe('FORBIDDEN');
    expect(errorCode(presence)).toBe('FORBIDDEN');
    expect(listed).toEqual([{ type: 'rooms', rooms: [] }]);
    expect(JSON.stringify([joined, presence, listed])).not.toContain('secret plans');
  });

  it('lets the invited, room moderators and admins into a private room, but not a global moderator', async () => {
    // Prepare
    await send('alice', { action: 'createRoom', room: 'ops', visibility: 'private' });
    await send('alice', { action: 'invite', room: 'ops', username: 'bob' });
    await send('alice', { action: 'setRole', room: 'ops', username: 'erin', role: 'moderator' });

    // Act & Assess
    expect(types(await send('bob', { action: 'joinRoom', room: 'ops' }))).toEqual(['joined']);
    expect(types(await send('erin', { action: 'joinRoom', room: 'ops' }))).toEqual(['joined']);
    expect(types(await send('dave', { action: 'joinRoom', room: 'ops' }))).toEqual(['joined']);
    expect(errorCode(await send('carol', { action: 'joinRoom', room: 'ops' }))).toBe('FORBIDDEN');
  });

  it('takes a connection out of a private room when reauth takes away the group that let it in', async () => {
    // Prepare
    await send('alice', { action: 'createRoom', room: 'ops', visibility: 'private' });
    await send('alice', { action: 'createRoom', room: 'lobby' });
    for (const room of ['ops', 'lobby']) await send('dave', { action: 'joinRoom', room });
    world.clearInboxes();
    const dave = world.connectionRecords.get('dave');
    if (!dave) throw new Error('no dave');
    const demoted = {
      userId: dave.userId,
      username: 'dave',
      groups: [],
      tokenExpiresAt: dave.tokenExpiresAt + 3600,
    };
    const deps = { ...world.deps(), verifier: { verify: async () => ok(demoted) } };

    // Act
    await handleClientFrame(
      deps,
      dave,
      { kind: 'request', request: { action: 'reauth', token: 'fresh' } },
      everything,
    );

    // Assess
    expect(types(world.framesOf('dave'))).toEqual(['reauthenticated', 'kicked']);
    expect(world.framesOf('dave')[1]).toMatchObject({ type: 'kicked', room: 'ops' });
    expect(world.members.get('ops')?.has('dave')).toBe(false);
    expect(world.members.get('lobby')?.has('dave')).toBe(true);
    expect(world.framesOf('alice')).toContainEqual(
      expect.objectContaining({ type: 'left', room: 'ops', username: 'dave' }),
    );
  });

  it('lets only the owner and moderators post in an announcement room', async () => {
    // Prepare
    await send('alice', { action: 'createRoom', room: 'news', posting: 'moderators' });
    for (const id of ['bob', 'carol', 'dave', 'erin']) await send(id, { action: 'joinRoom', room: 'news' });
    await send('alice', { action: 'setRole', room: 'news', username: 'erin', role: 'moderator' });
    world.clearInboxes();

    // Act
    const refused = await send('bob', { action: 'sendMessage', room: 'news', content: 'me too' });
    for (const id of ['alice', 'carol', 'dave', 'erin']) {
      await send(id, { action: 'sendMessage', room: 'news', content: `from ${id}` });
    }

    // Assess
    expect(errorCode(refused)).toBe('FORBIDDEN');
    const heard = world.framesOf('bob').filter((frame) => frame.type === 'message');
    expect(heard.map((frame) => (frame as { content: string }).content)).toEqual([
      'from alice',
      'from carol',
      'from dave',
      'from erin',
    ]);
  });

  it('lets the owner and admins change a room, telling its members, and refuses everyone else', async () => {
    // Prepare
    await send('alice', { action: 'createRoom', room: 'lounge' });
    await send('bob', { action: 'joinRoom', room: 'lounge' });
    world.clearInboxes();

    // Act
    const refused = await send('bob', { action: 'updateRoom', room: 'lounge', title: 'Bob’s' });
    const updated = await send('alice', {
      action: 'updateRoom',
      room: 'lounge',
      title: 'The Lounge',
      requestId: 'u',
    });
    const byAdmin = await send('dave', { action: 'updateRoom', room: 'lounge', posting: 'moderators' });

    // Assess
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect(updated).toEqual([
      {
        type: 'roomUpdated',
        room: 'lounge',
        visibility: 'public',
        posting: 'everyone',
        title: 'The Lounge',
        by: 'alice',
        requestId: 'u',
      },
    ]);
    expect(types(byAdmin)).toEqual(['roomUpdated']);
    expect(world.framesOf('bob').filter((frame) => frame.type === 'roomUpdated')).toHaveLength(2);
  });

  it('keeps the users present when a room turns private', async () => {
    // Prepare
    await send('alice', { action: 'createRoom', room: 'club' });
    await send('bob', { action: 'joinRoom', room: 'club' });

    // Act
    await send('alice', { action: 'updateRoom', room: 'club', visibility: 'private' });
    await send('bob', { action: 'leaveRoom', room: 'club' });
    const rejoined = await send('bob', { action: 'joinRoom', room: 'club' });
    const outsider = await send('erin', { action: 'joinRoom', room: 'club' });

    // Assess
    expect(types(rejoined)).toEqual(['joined']);
    expect(errorCode(outsider)).toBe('FORBIDDEN');
  });

  it('deletes a room: its members hear roomDeleted and are out of it, and a new room of that name starts a new epoch', async () => {
    // Prepare
    const created = await send('alice', { action: 'createRoom', room: 'tmp' });
    await send('bob', { action: 'joinRoom', room: 'tmp' });
    world.clearInboxes();

    // Act
    const refused = await send('bob', { action: 'deleteRoom', room: 'tmp' });
    const deleted = await send('alice', { action: 'deleteRoom', room: 'tmp', requestId: 'd' });
    const again = await send('bob', { action: 'createRoom', room: 'tmp' });

    // Assess
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect(deleted).toEqual([{ type: 'roomDeleted', room: 'tmp', by: 'alice', requestId: 'd' }]);
    expect(world.framesOf('bob')).toContainEqual({ type: 'roomDeleted', room: 'tmp', by: 'alice' });
    expect((again[0] as { epoch: string }).epoch).not.toBe((created[0] as { epoch: string }).epoch);
    expect(world.roomsOf.get('alice')?.has('tmp')).toBe(false);
  });

  it('lists public rooms and the private rooms the caller may join, page by page; admins see all', async () => {
    // Prepare
    await send('alice', { action: 'createRoom', room: 'a-public' });
    await send('alice', { action: 'createRoom', room: 'b-private', visibility: 'private' });
    await send('alice', { action: 'createRoom', room: 'c-invited', visibility: 'private' });
    await send('alice', { action: 'invite', room: 'c-invited', username: 'bob' });

    // Act
    const forBob = await send('bob', { action: 'listRooms' });
    const forDave = await send('dave', { action: 'listRooms' });

    // Assess
    const names = (frames: ServerFrame[]) =>
      (frames[0] as unknown as { rooms: { room: string }[] }).rooms.map((room) => room.room);
    expect(names(forBob)).toEqual(['a-public', 'c-invited']);
    expect(names(forDave)).toEqual(['a-public', 'b-private', 'c-invited']);
    expect((forBob[0] as unknown as { rooms: unknown[] }).rooms[0]).toEqual({
      room: 'a-public',
      title: 'a-public',
      visibility: 'public',
      posting: 'everyone',
      members: 1,
    });
  });
});

describe('moderation', () => {
  beforeEach(async () => {
    await send('alice', { action: 'createRoom', room: 'general' });
    for (const id of ['bob', 'carol', 'dave', 'erin'])
      await send(id, { action: 'joinRoom', room: 'general' });
    world.clearInboxes();
  });

  it('tells an invited user’s live connections about the invitation', async () => {
    // Prepare
    await send('alice', { action: 'createRoom', room: 'ops', visibility: 'private' });
    world.connect('bob-2', 'bob');

    // Act
    const answer = await send('alice', { action: 'invite', room: 'ops', username: 'bob', requestId: 'i' });

    // Assess
    expect(answer).toEqual([
      { type: 'done', action: 'invite', room: 'ops', username: 'bob', requestId: 'i' },
    ]);
    expect(world.framesOf('bob')).toContainEqual({ type: 'invited', room: 'ops', by: 'alice' });
    expect(world.framesOf('bob-2')).toContainEqual({ type: 'invited', room: 'ops', by: 'alice' });
  });

  it('removes a user whose invitation to a private room is withdrawn', async () => {
    // Prepare
    await send('alice', { action: 'createRoom', room: 'ops', visibility: 'private' });
    await send('alice', { action: 'invite', room: 'ops', username: 'bob' });
    await send('bob', { action: 'joinRoom', room: 'ops' });

    // Act
    await send('alice', { action: 'uninvite', room: 'ops', username: 'bob' });

    // Assess
    expect(world.framesOf('bob')).toContainEqual(
      expect.objectContaining({ type: 'kicked', room: 'ops', by: 'alice' }),
    );
    expect(world.members.get('ops')?.has('bob')).toBe(false);
  });

  it('kicks every connection of a user; they hear kicked, the room hears left once', async () => {
    // Prepare
    world.connect('bob-2', 'bob');
    await send('bob-2', { action: 'joinRoom', room: 'general' });
    world.clearInboxes();

    // Act
    const answer = await send('alice', { action: 'kick', room: 'general', username: 'bob', reason: 'spam' });

    // Assess
    expect(answer.at(-1)).toMatchObject({ type: 'done', action: 'kick', username: 'bob' });
    for (const id of ['bob', 'bob-2']) {
      expect(world.framesOf(id)).toEqual([{ type: 'kicked', room: 'general', by: 'alice', reason: 'spam' }]);
    }
    expect(world.framesOf('erin').filter((frame) => frame.type === 'left')).toEqual([
      expect.objectContaining({ type: 'left', room: 'general', username: 'bob' }),
    ]);
  });

  it('bans for a while: kicked with the end, joinRoom answers BANNED until then, and again after unban', async () => {
    // Act
    await send('alice', { action: 'ban', room: 'general', username: 'bob', seconds: 60, reason: 'flooding' });
    const refused = await send('bob', { action: 'joinRoom', room: 'general' });
    world.clock += 61_000;
    const afterwards = await send('bob', { action: 'joinRoom', room: 'general' });

    // Assess
    expect(world.framesOf('bob')[0]).toEqual({
      type: 'kicked',
      room: 'general',
      by: 'alice',
      reason: 'flooding',
      banned: true,
      until: new Date(world.clock - 1_000).toISOString(),
    });
    expect(refused).toEqual([expect.objectContaining({ code: 'BANNED', until: expect.any(String) })]);
    expect(types(afterwards)).toEqual(['joined']);
  });

  it('lifts a ban without end with unban', async () => {
    // Prepare
    await send('alice', { action: 'ban', room: 'general', username: 'bob' });
    const refused = await send('bob', { action: 'joinRoom', room: 'general' });

    // Act
    await send('alice', { action: 'unban', room: 'general', username: 'bob' });
    const joined = await send('bob', { action: 'joinRoom', room: 'general' });

    // Assess
    expect(refused[0]).toMatchObject({ code: 'BANNED' });
    expect(refused[0]).not.toHaveProperty('until');
    expect(types(joined)).toEqual(['joined']);
  });

  it('appoints a moderator, who may then kick members but not other moderators or the owner', async () => {
    // Act
    const appointed = await send('alice', {
      action: 'setRole',
      room: 'general',
      username: 'erin',
      role: 'moderator',
    });
    await send('alice', { action: 'setRole', room: 'general', username: 'bob', role: 'moderator' });
    const onModerator = await send('erin', { action: 'kick', room: 'general', username: 'bob' });
    const onOwner = await send('erin', { action: 'kick', room: 'general', username: 'alice' });
    const onMember = await send('erin', { action: 'kick', room: 'general', username: 'dave' });

    // Assess
    expect(appointed.at(-1)).toMatchObject({ type: 'done', action: 'setRole' });
    expect(world.framesOf('bob')).toContainEqual({
      type: 'roleChanged',
      room: 'general',
      username: 'erin',
      role: 'moderator',
      by: 'alice',
    });
    expect(errorCode(onModerator)).toBe('FORBIDDEN');
    expect(errorCode(onOwner)).toBe('FORBIDDEN');
    expect(onMember.at(-1)).toMatchObject({ type: 'done' });
  });

  it('refuses to moderate oneself, so a moderator cannot ban themselves out of the role by accident', async () => {
    // Prepare
    await send('alice', { action: 'setRole', room: 'general', username: 'erin', role: 'moderator' });

    // Act & Assess
    for (const request of [
      { action: 'ban' as const, room: 'general', username: 'erin' },
      { action: 'kick' as const, room: 'general', username: 'erin' },
    ]) {
      expect(errorCode(await send('erin', request))).toBe('FORBIDDEN');
    }
    expect(
      errorCode(
        await send('alice', { action: 'setRole', room: 'general', username: 'alice', role: 'member' }),
      ),
    ).toBe('FORBIDDEN');
    expect(world.moderators.get('general')?.has('erin')).toBe(true);
  });

  it('lets only an admin moderate the owner', async () => {
    // Act
    const byGlobalModerator = await send('carol', { action: 'kick', room: 'general', username: 'alice' });
    const byAdmin = await send('dave', { action: 'kick', room: 'general', username: 'alice' });

    // Assess
    expect(errorCode(byGlobalModerator)).toBe('FORBIDDEN');
    expect(byAdmin.at(-1)).toMatchObject({ type: 'done' });
  });

  it('lets a global moderator moderate members of public rooms only', async () => {
    // Prepare
    await send('alice', { action: 'createRoom', room: 'ops', visibility: 'private' });
    await send('alice', { action: 'invite', room: 'ops', username: 'bob' });
    await send('bob', { action: 'joinRoom', room: 'ops' });

    // Act
    const inPublic = await send('carol', { action: 'kick', room: 'general', username: 'bob' });
    const inPrivate = await send('carol', { action: 'kick', room: 'ops', username: 'bob' });

    // Assess
    expect(inPublic.at(-1)).toMatchObject({ type: 'done' });
    expect(errorCode(inPrivate)).toBe('FORBIDDEN');
  });

  it('takes a banned moderator’s role away', async () => {
    // Prepare
    await send('alice', { action: 'setRole', room: 'general', username: 'erin', role: 'moderator' });

    // Act
    await send('alice', { action: 'ban', room: 'general', username: 'erin' });

    // Assess
    expect(world.moderators.get('general')?.has('erin')).toBe(false);
  });
});

describe('presence by user', () => {
  it('is silent to others when a second tab joins or one of two tabs leaves', async () => {
    // Prepare
    await send('alice', { action: 'joinRoom', room: 'general' });
    await send('bob', { action: 'joinRoom', room: 'general' });
    world.connect('bob-2', 'bob');
    world.clearInboxes();

    // Act
    const secondTab = await send('bob-2', { action: 'joinRoom', room: 'general' });
    await send('bob', { action: 'leaveRoom', room: 'general' });
    const afterOne = [...world.framesOf('alice')];
    await send('bob-2', { action: 'leaveRoom', room: 'general' });

    // Assess
    expect(secondTab).toEqual([expect.objectContaining({ type: 'joined', self: true, members: 2 })]);
    expect(afterOne).toEqual([]);
    expect(world.framesOf('alice')).toEqual([expect.objectContaining({ type: 'left', username: 'bob' })]);
  });

  it('answers presence with users, their connections and the exact count, in pages of 100', async () => {
    // Prepare
    for (let index = 0; index < 150; index++) {
      world.connect(`u${index}`, `user${String(index).padStart(3, '0')}`);
      await send(`u${index}`, { action: 'joinRoom', room: 'big' });
    }
    world.connect('u0-again', 'user000');
    await send('u0-again', { action: 'joinRoom', room: 'big' });

    // Act
    const first = (await send('u1', { action: 'presence', room: 'big' }))[0] as Extract<
      ServerFrame,
      { type: 'presence' }
    >;
    const second = (
      await send('u1', { action: 'presence', room: 'big', cursor: first.cursor as string })
    )[0] as Extract<ServerFrame, { type: 'presence' }>;

    // Assess
    expect(first.count).toBe(150);
    expect(first.users).toHaveLength(100);
    expect(first.users[0]).toEqual({
      userId: 'u-user000',
      username: 'user000',
      connections: 2,
      since: expect.any(String),
    });
    expect(second.users).toHaveLength(50);
    expect(second.cursor).toBeUndefined();
  });

  it('answers presence for a public room to members only', async () => {
    // Prepare
    await send('alice', { action: 'joinRoom', room: 'general' });

    // Act & Assess
    expect(errorCode(await send('bob', { action: 'presence', room: 'general' }))).toBe('NOT_A_MEMBER');
  });

  it('leaves no ghost behind a connection found gone without $disconnect', async () => {
    // Prepare
    await send('alice', { action: 'joinRoom', room: 'general' });
    await send('bob', { action: 'joinRoom', room: 'general' });
    world.clearInboxes();

    // Act: bob's connection vanished; a broadcast meets its 410 and removes it.
    world.closed.add('bob');
    await send('alice', { action: 'sendMessage', room: 'general', content: 'anyone?' });

    // Assess
    expect(world.presenceRows.get('general')?.has('bob')).toBe(false);
    expect(world.rooms.get('general')?.record.members).toBe(1);
    expect(world.framesOf('alice')).toContainEqual(
      expect.objectContaining({ type: 'left', username: 'bob' }),
    );
  });

  it('announces occupancy instead of each join above the threshold, at most once per interval, the last count included', async () => {
    // Prepare: a low threshold and a 3 s interval; the in-memory clock advances only when told (or slept).
    world = new MemoryWorld({ ...defaultRules, announceJoinsUpTo: 3 });
    for (let index = 0; index < 10; index++) world.connect(`c${index}`, `user${index}`);
    for (let index = 0; index < 4; index++) await send(`c${index}`, { action: 'joinRoom', room: 'big' });
    world.clearInboxes();

    // Act: six more join in one burst.
    await Promise.all(
      Array.from({ length: 6 }, (_, offset) => send(`c${offset + 4}`, { action: 'joinRoom', room: 'big' })),
    );

    // Assess
    const seen = world.framesOf('c0');
    expect(seen.filter((frame) => frame.type === 'joined')).toEqual([]);
    const counts = seen
      .filter((frame) => frame.type === 'occupancy')
      .map((frame) => (frame as { count: number }).count);
    expect(counts.length).toBeLessThanOrEqual(2);
    expect(counts.at(-1)).toBe(10);
  });

  it('takes gone connections out of presence through announceDepartures', async () => {
    // Prepare
    await send('alice', { action: 'joinRoom', room: 'general' });
    const removed = await world.deps().connections.remove('alice');

    // Act
    await announceDepartures(world.deps(), [removed]);

    // Assess
    expect(world.presenceRows.get('general')?.size ?? 0).toBe(0);
  });
});

describe('limits', () => {
  it('refuses a connection in too many rooms with ROOM_LIMIT, and writes nothing', async () => {
    // Prepare
    world = new MemoryWorld({ ...defaultRules, maxRoomsPerConnection: 2 });
    world.connect('alice', 'alice');
    await send('alice', { action: 'joinRoom', room: 'one' });
    await send('alice', { action: 'joinRoom', room: 'two' });

    // Act
    const refused = await send('alice', { action: 'joinRoom', room: 'three' });

    // Assess
    expect(errorCode(refused)).toBe('ROOM_LIMIT');
    expect(world.members.get('three')?.size ?? 0).toBe(0);
  });

  it('refuses a user beyond the room’s capacity with ROOM_FULL, but lets a member’s second tab in', async () => {
    // Prepare
    world = new MemoryWorld({ ...defaultRules, maxMembersPerRoom: 2 });
    world.connect('alice', 'alice');
    world.connect('bob', 'bob');
    world.connect('bob-2', 'bob');
    world.connect('erin', 'erin');
    await send('alice', { action: 'joinRoom', room: 'small' });
    await send('bob', { action: 'joinRoom', room: 'small' });

    // Act
    const full = await send('erin', { action: 'joinRoom', room: 'small' });
    const secondTab = await send('bob-2', { action: 'joinRoom', room: 'small' });

    // Assess
    expect(errorCode(full)).toBe('ROOM_FULL');
    expect(world.members.get('small')?.has('erin')).toBe(false);
    expect(world.roomsOf.get('erin')?.has('small') ?? false).toBe(false);
    expect(types(secondTab)).toEqual(['joined']);
  });

  it('refuses creating rooms beyond the creation rate with RATE_LIMITED', async () => {
    // Prepare
    const deps = world.deps();
    const limited = {
      ...deps,
      creations: { consume: async () => ({ success: false as const, error: { retryAfterMs: 1234 } }) },
    };
    const caller = world.connectionRecords.get('alice');
    if (!caller) throw new Error('alice is not connected');

    // Act
    await handleClientFrame(
      limited,
      caller,
      { kind: 'request', request: { action: 'createRoom', room: 'one' } },
      everything,
    );

    // Assess
    expect(world.lastFrame('alice')).toMatchObject({ type: 'error', code: 'RATE_LIMITED', retryAfter: 1234 });
    expect(world.rooms.has('one')).toBe(false);
  });
});
