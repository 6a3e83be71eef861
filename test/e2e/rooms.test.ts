/**
 * Rooms with rules on the local stack, with the demo users: alice and bob (no global role), carol
 * (global moderator) and dave (admin). Real sockets, DynamoDB Local, tokens from the local issuer.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestClient } from '../local/support/test-client.ts';
import { eventually } from './support/eventually.ts';
import { type Frame, request } from './support/frames.ts';
import { type Harness, type Session, startHarness } from './support/harness.ts';

describe('rooms with rules on the local stack', () => {
  let harness: Harness;
  let sequence = 0;
  /** A room name no other test uses. */
  const fresh = (prefix: string) => `${prefix}-${++sequence}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    harness = await startHarness();
  });
  afterEach(() => harness.closeAll());
  afterAll(() => harness?.stop());

  const as = (username: string) => harness.connectAs(username);
  const ask = (session: Session, body: Record<string, unknown>) => request(session.client, body);
  const next = (client: TestClient, predicate: (frame: Frame) => boolean) =>
    client.nextJson<Frame>(predicate);

  it('keeps a private room to its owner, the invited and admins, and lists it only to them', async () => {
    // Prepare
    const room = fresh('ops');
    const [alice, bob, carol, dave] = await Promise.all([as('alice'), as('bob'), as('carol'), as('dave')]);

    // Act
    const created = await ask(alice, { action: 'createRoom', room, visibility: 'private', title: 'Ops' });
    const refused = await ask(bob, { action: 'joinRoom', room });
    const invitation = await ask(alice, { action: 'invite', room, username: 'bob' });
    const noticed = await next(bob.client, (frame) => frame.type === 'invited');
    const bobJoined = await ask(bob, { action: 'joinRoom', room });
    const carolRefused = await ask(carol, { action: 'joinRoom', room });
    const daveJoined = await ask(dave, { action: 'joinRoom', room });
    const carolList = await ask(carol, { action: 'listRooms' });
    const bobList = await ask(bob, { action: 'listRooms' });

    // Assess
    expect(created).toMatchObject({
      type: 'roomCreated',
      room,
      visibility: 'private',
      owner: 'alice',
      title: 'Ops',
    });
    expect(refused).toMatchObject({ type: 'error', code: 'FORBIDDEN', room });
    expect(invitation).toMatchObject({ type: 'done', action: 'invite', username: 'bob' });
    expect(noticed).toEqual({ type: 'invited', room, by: 'alice' });
    expect(bobJoined).toMatchObject({ type: 'joined', self: true, role: 'member', visibility: 'private' });
    expect(carolRefused).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(daveJoined).toMatchObject({ type: 'joined', self: true });
    const names = (frame: Frame) => (frame.rooms as { room: string }[]).map((entry) => entry.room);
    expect(names(carolList)).not.toContain(room);
    expect(names(bobList)).toContain(room);
  });

  it('lets only the owner and moderators post in an announcement room', async () => {
    // Prepare
    const room = fresh('news');
    const [alice, bob, carol] = await Promise.all([as('alice'), as('bob'), as('carol')]);
    await ask(alice, { action: 'createRoom', room, posting: 'moderators' });
    await ask(bob, { action: 'joinRoom', room });
    await ask(carol, { action: 'joinRoom', room });

    // Act
    const refused = await ask(bob, { action: 'sendMessage', room, content: 'can I?' });
    carol.client.sendJson({ action: 'sendMessage', room, content: 'from the moderators' });
    const heard = await next(bob.client, (frame) => frame.type === 'message');

    // Assess
    expect(refused).toMatchObject({ type: 'error', code: 'FORBIDDEN', action: 'sendMessage' });
    expect(heard).toMatchObject({ content: 'from the moderators', username: 'carol' });
  });

  it('kicks every tab of a user, bans with an end, and lets them back after unban', async () => {
    // Prepare
    const room = fresh('lounge');
    const alice = await as('alice');
    const bob = await as('bob');
    const bobAgain = await harness.connect(`?token=${bob.tokens.token}`);
    const dave = await as('dave');
    await ask(alice, { action: 'createRoom', room });
    for (const session of [bob, bobAgain, dave]) await ask(session, { action: 'joinRoom', room });

    // Act
    const kickDone = await ask(alice, { action: 'kick', room, username: 'bob', reason: 'calm down' });
    const kicked = await Promise.all(
      [bob, bobAgain].map((s) => next(s.client, (frame) => frame.type === 'kicked')),
    );
    const leftForDave = await next(dave.client, (frame) => frame.type === 'left' && frame.username === 'bob');
    await ask(bob, { action: 'joinRoom', room });
    await ask(alice, { action: 'ban', room, username: 'bob', seconds: 600, reason: 'again' });
    const banned = await next(bob.client, (frame) => frame.type === 'kicked');
    const refused = await ask(bob, { action: 'joinRoom', room });
    await ask(alice, { action: 'unban', room, username: 'bob' });
    const back = await ask(bob, { action: 'joinRoom', room });

    // Assess
    expect(kickDone).toMatchObject({ type: 'done', action: 'kick' });
    for (const frame of kicked)
      expect(frame).toEqual({ type: 'kicked', room, by: 'alice', reason: 'calm down' });
    expect(leftForDave).toMatchObject({ type: 'left', room, username: 'bob' });
    expect(banned).toMatchObject({
      type: 'kicked',
      banned: true,
      reason: 'again',
      until: expect.any(String),
    });
    expect(refused).toMatchObject({ type: 'error', code: 'BANNED', until: expect.any(String) });
    expect(back).toMatchObject({ type: 'joined', self: true });
  });

  it('appoints a moderator who may kick members but not the owner; only an admin moderates the owner', async () => {
    // Prepare
    const room = fresh('club');
    const [alice, bob, carol, dave] = await Promise.all([as('alice'), as('bob'), as('carol'), as('dave')]);
    await ask(alice, { action: 'createRoom', room });
    for (const session of [bob, carol, dave]) await ask(session, { action: 'joinRoom', room });

    // Act
    const appointed = await ask(alice, { action: 'setRole', room, username: 'bob', role: 'moderator' });
    const roleChanged = await next(dave.client, (frame) => frame.type === 'roleChanged');
    const onOwner = await ask(bob, { action: 'kick', room, username: 'alice' });
    const onSelf = await ask(bob, { action: 'ban', room, username: 'bob' });
    const byGlobalModerator = await ask(carol, { action: 'kick', room, username: 'alice' });
    const byAdmin = await ask(dave, { action: 'kick', room, username: 'alice' });

    // Assess
    expect(appointed).toMatchObject({ type: 'done', action: 'setRole' });
    expect(roleChanged).toEqual({
      type: 'roleChanged',
      room,
      username: 'bob',
      role: 'moderator',
      by: 'alice',
    });
    expect(onOwner).toMatchObject({ code: 'FORBIDDEN' });
    expect(onSelf).toMatchObject({ code: 'FORBIDDEN' });
    expect(byGlobalModerator).toMatchObject({ code: 'FORBIDDEN' });
    expect(byAdmin).toMatchObject({ type: 'done', action: 'kick' });
  });

  it('announces a user once across two tabs, and answers presence with both connections', async () => {
    // Prepare
    const room = fresh('tabs');
    const alice = await as('alice');
    const bob = await as('bob');
    const bobAgain = await harness.connect(`?token=${bob.tokens.token}`);
    await ask(alice, { action: 'joinRoom', room });

    // Act
    await ask(bob, { action: 'joinRoom', room });
    const firstTab = await next(alice.client, (frame) => frame.type === 'joined' && frame.username === 'bob');
    await ask(bobAgain, { action: 'joinRoom', room });
    const presence = await ask(alice, { action: 'presence', room });
    bobAgain.client.close();
    await eventually(async () => {
      const now = await ask(alice, { action: 'presence', room });
      expect(
        (now.users as { username: string; connections: number }[]).find((u) => u.username === 'bob'),
      ).toMatchObject({
        connections: 1,
      });
    });
    bob.client.close();
    const left = await next(alice.client, (frame) => frame.type === 'left');

    // Assess
    expect(firstTab).toMatchObject({ type: 'joined', username: 'bob' });
    expect(presence).toMatchObject({ type: 'presence', room, count: 2 });
    expect(presence.users).toEqual(
      expect.arrayContaining([expect.objectContaining({ username: 'bob', connections: 2 })]),
    );
    expect(left).toMatchObject({ type: 'left', username: 'bob' });
    // Between the two, alice heard no join or leave of bob's second tab.
    const bobEvents = alice.client.received
      .map((message) => JSON.parse(message.data) as Frame)
      .filter((frame) => (frame.type === 'joined' || frame.type === 'left') && frame.username === 'bob');
    expect(bobEvents.map((frame) => frame.type)).toEqual(['joined', 'left']);
  });

  it('tells members about a changed and a deleted room, and removes them from it', async () => {
    // Prepare
    const room = fresh('tmp');
    const [alice, bob] = await Promise.all([as('alice'), as('bob')]);
    await ask(alice, { action: 'createRoom', room });
    await ask(bob, { action: 'joinRoom', room });

    // Act
    const refused = await ask(bob, { action: 'deleteRoom', room });
    const updated = await ask(alice, { action: 'updateRoom', room, title: 'Renamed' });
    const heardUpdate = await next(bob.client, (frame) => frame.type === 'roomUpdated');
    const deleted = await ask(alice, { action: 'deleteRoom', room });
    const heardDelete = await next(bob.client, (frame) => frame.type === 'roomDeleted');
    const afterwards = await ask(bob, { action: 'sendMessage', room, content: 'still here?' });

    // Assess
    expect(refused).toMatchObject({ code: 'FORBIDDEN' });
    expect(updated).toMatchObject({ type: 'roomUpdated', title: 'Renamed', by: 'alice' });
    expect(heardUpdate).toMatchObject({ type: 'roomUpdated', title: 'Renamed' });
    expect(deleted).toMatchObject({ type: 'roomDeleted', room });
    expect(heardDelete).toEqual({ type: 'roomDeleted', room, by: 'alice' });
    expect(afterwards).toMatchObject({ type: 'error', code: 'ROOM_NOT_FOUND' });
    expect(await harness.table.members(room)).toEqual([]);
    expect(await harness.table.presence(room)).toEqual([]);
  });
});
