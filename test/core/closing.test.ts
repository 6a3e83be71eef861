import { beforeEach, describe, expect, it } from 'vitest';
import { closeConnectionsOfUser, closeWithReason, closingReasons } from '../../lambdas/core/closing.ts';
import { handleClientFrame } from '../../lambdas/core/session.ts';
import { MemoryWorld } from '../fixtures/memory-world.ts';

const accepts = new Set(['joinRoom'] as const);

describe('closing with a reason', () => {
  let world: MemoryWorld;
  beforeEach(async () => {
    world = new MemoryWorld();
    const deps = world.deps();
    for (const [id, user] of [
      ['a1', 'alice'],
      ['a2', 'alice'],
      ['b', 'bob'],
    ] as const) {
      const caller = world.connect(id, user);
      await handleClientFrame(
        deps,
        caller,
        { kind: 'request', request: { action: 'joinRoom', room: 'general' } },
        accepts,
      );
    }
    world.clearInboxes();
  });

  it('says why, removes the rows, takes the connection out of presence, then closes', async () => {
    // Act
    await closeWithReason(world.deps(), 'b', closingReasons.tooManyRefusals);

    // Assess
    expect(world.framesOf('b')).toEqual([{ type: 'closing', ...closingReasons.tooManyRefusals }]);
    expect(world.closed.has('b')).toBe(true);
    expect(world.connectionRecords.has('b')).toBe(false);
    expect(world.presenceRows.get('general')?.has('bob')).toBe(false);
    // Bob's last connection left: alice's two tabs hear it.
    expect(world.framesOf('a1')).toEqual([expect.objectContaining({ type: 'left', username: 'bob' })]);
  });

  it('closes every connection of one user and nobody else’s, and the room hears left once', async () => {
    // Act
    const closed = await closeConnectionsOfUser(world.deps(), 'alice', closingReasons.loggedOut);

    // Assess
    expect(closed).toBe(2);
    expect(world.framesOf('a1')[0]).toEqual({ type: 'closing', ...closingReasons.loggedOut });
    expect(world.framesOf('a2')[0]).toEqual({ type: 'closing', ...closingReasons.loggedOut });
    expect(world.closed).toEqual(new Set(['a1', 'a2']));
    expect(world.framesOf('b').filter((frame) => frame.type === 'left')).toHaveLength(1);
  });

  it.each(Object.entries(closingReasons))('words the %s reason for people', (_name, reason) => {
    expect(reason.reason.length).toBeGreaterThan(10);
    expect(typeof reason.reconnect).toBe('boolean');
  });
});
