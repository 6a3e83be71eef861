import { describe, expect, it } from 'vitest';
import { closeConnectionsOfUser, closeWithReason, closingReasons } from '../../lambdas/core/closing.ts';
import type {
  ConnectionGateway,
  ConnectionRecord,
  ConnectionStore,
  RemovedConnection,
  RoomMembership,
  RoomStore,
} from '../../lambdas/core/ports.ts';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const record = (connectionId: string, username = 'alice'): ConnectionRecord => ({
  connectionId,
  userId: `u-${username}`,
  username,
  groups: [],
  tokenExpiresAt: 4_000_000_000,
  connectedAt: 0,
});

/** An in-memory world: who is connected, which rooms they are in, and what the gateway was asked. */
function world(connections: ConnectionRecord[], rooms: Record<string, string[]>) {
  const calls: string[] = [];
  const store: ConnectionStore = {
    save: async () => undefined,
    find: async (id) => connections.find((c) => c.connectionId === id),
    remove: async (id): Promise<RemovedConnection> => {
      calls.push(`remove ${id}`);
      const connection = connections.find((c) => c.connectionId === id);
      const joined = Object.keys(rooms).filter((room) => rooms[room]?.includes(id));
      for (const room of joined) rooms[room] = (rooms[room] ?? []).filter((member) => member !== id);
      connections.splice(connections.indexOf(connection as ConnectionRecord), connection ? 1 : 0);
      return { connection, rooms: joined };
    },
    updateIdentity: async () => 'gone',
    markReauthNotice: async () => false,
    async *ofUser(username) {
      yield connections.filter((c) => c.username === username);
    },
    async *due() {},
  };
  const roomStore: RoomStore = {
    join: async () => 'joined',
    leave: async () => 'left',
    isMember: async () => false,
    async *members(room) {
      yield (rooms[room] ?? []).map(
        (connectionId): RoomMembership => ({
          room,
          connectionId,
          userId: 'u',
          username: 'u',
          joinedAt: 0,
          tokenExpiresAt: 4_000_000_000,
        }),
      );
    },
  };
  const gateway: ConnectionGateway = {
    post: async (id, data) => {
      const frame = JSON.parse(new TextDecoder().decode(data as Uint8Array));
      calls.push(`post ${id} ${frame.type}${frame.code ? ` ${frame.code}` : ''}`);
      return 'delivered';
    },
    disconnect: async (id) => {
      calls.push(`disconnect ${id}`);
      return 'delivered';
    },
    probe: async () => 'open',
  };
  return { calls, deps: { connections: store, rooms: roomStore, gateway, logger: silent, now: () => 0 } };
}

describe('closing with a reason', () => {
  it('says why, removes the rows and tells the rooms, then closes — in that order', async () => {
    // Prepare
    const { calls, deps } = world([record('a'), record('b', 'bob')], { general: ['a', 'b'] });

    // Act
    await closeWithReason(deps, 'a', closingReasons.tooManyRefusals);

    // Assess
    expect(calls).toEqual(['post a closing TOO_MANY_REFUSALS', 'remove a', 'post b left', 'disconnect a']);
  });

  it('closes every connection of one user and nobody else’s', async () => {
    // Prepare
    const { calls, deps } = world([record('a1'), record('a2'), record('b', 'bob')], {});

    // Act
    const closed = await closeConnectionsOfUser(deps, 'alice', closingReasons.loggedOut);

    // Assess
    expect(closed).toBe(2);
    expect(calls.filter((call) => call.startsWith('post'))).toEqual([
      'post a1 closing LOGGED_OUT',
      'post a2 closing LOGGED_OUT',
    ]);
    expect(calls).toContain('disconnect a1');
    expect(calls).toContain('disconnect a2');
    expect(calls).not.toContain('disconnect b');
  });

  it.each(Object.entries(closingReasons))('words the %s reason with a known code', (_name, reason) => {
    expect(reason.reason.length).toBeGreaterThan(10);
    expect(typeof reason.reconnect).toBe('boolean');
  });
});
