/**
 * A client that vanished without `$disconnect` does not lock its user out: once its slot is older than
 * CONNECT_PROBE_MIN_AGE_SECONDS (8 s here, 30 s by default), the next connect probes it, finds it gone
 * (410), removes its rows and takes the slot. Cap 1, so one stale holder is enough to block.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { delay, eventTimeoutMs, eventually } from './support/eventually.ts';
import { joinRoom } from './support/frames.ts';
import { type Harness, startHarness, type Welcome } from './support/harness.ts';

/** Wide enough that the first retry comes before it even on a loaded machine. */
const probeMinAgeSeconds = 8;

describe('per-user connection cap with a vanished slot holder', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({
      policies: { maxConnectionsPerUser: 1, connectProbeMinAgeSeconds: probeMinAgeSeconds },
    });
  });
  afterEach(() => harness.closeAll());
  afterAll(() => harness?.stop());

  it('refuses with 429 until the stale holder is old enough to probe, then connects and removes its rows', async () => {
    // Prepare
    const alice = await harness.connectAs('alice');
    const bob = await harness.connectAs('bob');
    await joinRoom(alice.client, 'ghosts', alice.welcome.userId);
    await joinRoom(bob.client, 'ghosts', bob.welcome.userId);
    // Bob's join is broadcast after his own confirmation: let it reach alice before she vanishes, or its
    // 410 would free her slot before the probe could.
    await alice.client.nextJson(
      (frame) => frame.type === 'joined' && frame.userId === bob.welcome.userId,
      eventTimeoutMs,
    );
    const staleId = alice.welcome.connectionId;
    const [slot] = await harness.table.slotsOf(alice.welcome.userId);
    expect(harness.stack.gateway.dropConnection(staleId)).toBe(true);
    expect(await harness.table.connectionRows(staleId)).not.toEqual([]); // no $disconnect ran

    // Act: retry until the slot holder is old enough to be probed.
    const refusals: { status: number; at: number }[] = [];
    const firstAttemptAt = Date.now();
    let welcome: Welcome | undefined;
    const deadline = Date.now() + probeMinAgeSeconds * 1000 + eventTimeoutMs;
    while (!welcome && Date.now() < deadline) {
      const handshake = await harness.handshake(`?token=${alice.tokens.token}`);
      if (handshake.kind === 'open') {
        welcome = await handshake.client.nextJson<Welcome>(
          (frame) => frame.type === 'welcome',
          eventTimeoutMs,
        );
      } else {
        refusals.push({ status: handshake.kind === 'refused' ? handshake.status : 0, at: Date.now() });
        await delay(250);
      }
    }
    const connectedAt = Date.now();

    // Assess
    expect(welcome).toBeDefined();
    // Every attempt before the holder was old enough to probe was refused, and there was one.
    expect(firstAttemptAt).toBeLessThan(Number(slot?.claimedAt) + probeMinAgeSeconds * 1000);
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals.map((refusal) => refusal.status)).toEqual(refusals.map(() => 429));
    expect(connectedAt).toBeGreaterThanOrEqual(Number(slot?.claimedAt) + probeMinAgeSeconds * 1000);
    const left = await bob.client.nextJson(
      (frame) => frame.type === 'left' && frame.userId === alice.welcome.userId,
      eventTimeoutMs,
    );
    expect(left).toMatchObject({ room: 'ghosts', username: 'alice' });
    await eventually(async () => {
      expect(await harness.table.connectionRows(staleId)).toEqual([]);
      expect((await harness.table.members('ghosts')).map((item) => item.connectionId)).toEqual([
        bob.welcome.connectionId,
      ]);
      expect((await harness.table.presence('ghosts')).map((item) => item.username)).toEqual(['bob']);
      const slots = await harness.table.slotsOf(alice.welcome.userId);
      expect(slots.map((item) => item.connectionId)).toEqual([welcome?.connectionId]);
    });
  }, 60_000);
});
