/**
 * The per-user connection cap (5) under a burst of simultaneous connects. Slot holders are never
 * probed here (CONNECT_PROBE_MIN_AGE_SECONDS keeps its 30 s default), so the count is exact however
 * slowly the burst runs; connection-cap-stale.test.ts covers vanished holders.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestClient } from '../local/support/test-client.ts';
import { login } from './support/auth-api.ts';
import { eventTimeoutMs, eventually } from './support/eventually.ts';
import { claimsOf } from './support/frames.ts';
import { type Harness, startHarness, type Welcome } from './support/harness.ts';

const cap = 5;

describe('per-user connection cap', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ policies: { maxConnectionsPerUser: cap } });
  });
  afterEach(() => harness.closeAll());
  afterAll(() => harness?.stop());

  const openAtOnce = async (token: string, count: number) => {
    const handshakes = await Promise.all(
      Array.from({ length: count }, () => harness.handshake(`?token=${token}`)),
    );
    const clients = handshakes.flatMap((handshake) => (handshake.kind === 'open' ? [handshake.client] : []));
    const refused = handshakes.flatMap((handshake) => (handshake.kind === 'refused' ? [handshake] : []));
    const welcomes = await Promise.all(
      clients.map((client) => client.nextJson<Welcome>((frame) => frame.type === 'welcome', eventTimeoutMs)),
    );
    return { handshakes, clients, refused, welcomes };
  };

  it('opens exactly 5 of 20 simultaneous connects for one user, refuses the other 15 with 429, and stores 5', async () => {
    // Prepare
    const { token } = await login(harness.stack, 'alice');
    const userId = claimsOf(token).sub;

    // Act
    const { handshakes, refused, welcomes } = await openAtOnce(token, 20);

    // Assess
    expect(handshakes.filter((handshake) => handshake.kind === 'failed')).toEqual([]);
    expect(welcomes).toHaveLength(cap);
    expect(refused).toHaveLength(20 - cap);
    for (const refusal of refused) {
      expect(refusal.status).toBe(429);
      expect(JSON.parse(refusal.body)).toEqual({ message: expect.stringContaining(`limit ${cap}`) });
    }
    const openIds = welcomes.map((welcome) => welcome.connectionId).sort();
    expect(
      harness.stack.gateway
        .connections()
        .map((connection) => connection.connectionId)
        .sort(),
    ).toEqual(openIds);
    const stored = await harness.table.connectionsOf(userId);
    expect(stored.map((item) => item.connectionId).sort()).toEqual(openIds);
    const slots = await harness.table.slotsOf(userId);
    expect(slots.map((slot) => slot.connectionId).sort()).toEqual(openIds);
    expect(slots.map((slot) => slot.sk).sort()).toEqual(['SLOT#0', 'SLOT#1', 'SLOT#2', 'SLOT#3', 'SLOT#4']);
  });

  it('frees a slot when a connection closes, so the next connect succeeds', async () => {
    // Prepare
    const { token } = await login(harness.stack, 'bob');
    const userId = claimsOf(token).sub;
    const { clients, welcomes } = await openAtOnce(token, cap);
    const over = await harness.handshake(`?token=${token}`);
    const [leaving] = clients as [TestClient];

    // Act
    leaving.close(1000);
    await eventually(async () => expect(await harness.table.slotsOf(userId)).toHaveLength(cap - 1));
    const next = await harness.handshake(`?token=${token}`);

    // Assess
    expect(welcomes).toHaveLength(cap);
    expect(over).toMatchObject({ kind: 'refused', status: 429 });
    expect(next.kind).toBe('open');
    await eventually(async () => expect(await harness.table.connectionsOf(userId)).toHaveLength(cap));
  });

  it('counts per user: another user connects while one is at the cap', async () => {
    // Prepare
    const carol = await login(harness.stack, 'carol');
    await openAtOnce(carol.token, cap);

    // Act
    const dave = await harness.connectAs('dave');

    // Assess
    expect(dave.welcome).toMatchObject({ username: 'dave' });
    expect(await harness.handshake(`?token=${carol.token}`)).toMatchObject({ kind: 'refused', status: 429 });
  });
});
