/**
 * Room limits on the local stack, with small limits so each is met in a few requests: rooms per
 * connection (ROOM_LIMIT), users per room (ROOM_FULL), rooms created per user per hour (RATE_LIMITED),
 * and occupancy instead of join notices past `announceJoinsUpTo`. Each refusal writes nothing, and the
 * limit frees up again as it should (leaving a room, a user leaving).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Frame, request } from './support/frames.ts';
import { type Harness, type Session, startHarness } from './support/harness.ts';

describe('room limits on the local stack', () => {
  let harness: Harness;
  let sequence = 0;
  const fresh = (prefix: string) => `${prefix}-${++sequence}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    harness = await startHarness({
      policies: {
        rateLimit: { perSecond: 0 },
        maxConnectionsPerUser: 0,
        rooms: {
          maxRoomsPerConnection: 2,
          maxMembersPerRoom: 2,
          createdPerUserPerHour: 3,
          announceJoinsUpTo: 1,
          occupancyIntervalSeconds: 1,
        },
      },
    });
  });
  afterEach(() => harness.closeAll());
  afterAll(() => harness?.stop());

  const as = (username: string) => harness.connectAs(username);
  const ask = (session: Session, body: Record<string, unknown>) => request(session.client, body);

  it('refuses a third room on one connection with ROOM_LIMIT, and takes it once the connection left one', async () => {
    // Prepare
    const dave = await as('dave');
    const [first, second, third] = [fresh('a'), fresh('b'), fresh('c')];
    await ask(dave, { action: 'joinRoom', room: first });
    await ask(dave, { action: 'joinRoom', room: second });

    // Act
    const refused = await ask(dave, { action: 'joinRoom', room: third });
    await ask(dave, { action: 'leaveRoom', room: first });
    const admitted = await ask(dave, { action: 'joinRoom', room: third });

    // Assess
    expect(refused).toMatchObject({ type: 'error', code: 'ROOM_LIMIT', room: third });
    expect(admitted).toMatchObject({ type: 'joined', self: true, room: third });
    const memberships = (await harness.table.connectionRows(dave.welcome.connectionId)).filter((row) =>
      String(row.sk).startsWith('ROOM#'),
    );
    expect(memberships.map((row) => row.room).sort()).toEqual([second, third].sort());
  });

  it('refuses a third user with ROOM_FULL, lets a second tab of a user already in, and admits once one left', async () => {
    // Prepare
    const room = fresh('full');
    const alice = await as('alice');
    const bob = await as('bob');
    const carol = await as('carol');
    await ask(alice, { action: 'joinRoom', room });
    await ask(bob, { action: 'joinRoom', room });
    const bobAgain = await harness.connect(`?token=${bob.tokens.token}`);

    // Act
    const refused = await ask(carol, { action: 'joinRoom', room });
    const secondTab = await ask(bobAgain, { action: 'joinRoom', room });
    await ask(alice, { action: 'leaveRoom', room });
    const admitted = await ask(carol, { action: 'joinRoom', room });

    // Assess
    expect(refused).toMatchObject({ type: 'error', code: 'ROOM_FULL', room });
    expect(secondTab).toMatchObject({ type: 'joined', self: true });
    expect(admitted).toMatchObject({ type: 'joined', self: true, members: 2 });
    expect((await harness.table.members(room)).map((row) => row.connectionId).sort()).toEqual(
      [bob.welcome.connectionId, bobAgain.welcome.connectionId, carol.welcome.connectionId].sort(),
    );
  });

  it('refuses a fourth room created within the hour with RATE_LIMITED and a retryAfter, creating nothing', async () => {
    // Prepare
    const bob = await as('bob');
    const names = [fresh('r1'), fresh('r2'), fresh('r3'), fresh('r4')];

    // Act
    const answers: Frame[] = [];
    for (const room of names) {
      answers.push(await ask(bob, { action: 'createRoom', room }));
      // The per-connection room limit (2) is not what this test is about.
      await ask(bob, { action: 'leaveRoom', room });
    }
    const listed = await ask(bob, { action: 'listRooms' });

    // Assess
    expect(answers.slice(0, 3).map((answer) => answer.type)).toEqual([
      'roomCreated',
      'roomCreated',
      'roomCreated',
    ]);
    expect(answers[3]).toMatchObject({ type: 'error', code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    expect(Number(answers[3]?.retryAfter)).toBeGreaterThan(60_000);
    const rooms = (listed.rooms as { room: string }[]).map((entry) => entry.room);
    expect(rooms).toEqual(expect.arrayContaining(names.slice(0, 3)));
    expect(rooms).not.toContain(names[3]);
  });

  it('tells a room past announceJoinsUpTo its occupancy instead of each join', async () => {
    // Prepare
    const room = fresh('busy');
    const alice = await as('alice');
    await ask(alice, { action: 'joinRoom', room });
    const bob = await as('bob');

    // Act
    await ask(bob, { action: 'joinRoom', room });
    const occupancy = await alice.client.nextJson<Frame>(
      (frame) => frame.type === 'occupancy' && frame.room === room,
    );

    // Assess
    expect(occupancy).toEqual({ type: 'occupancy', room, count: 2 });
    const heard = alice.client.received.map((message) => JSON.parse(message.data) as Frame);
    expect(heard.some((frame) => frame.type === 'joined' && frame.username === 'bob')).toBe(false);
  });
});
