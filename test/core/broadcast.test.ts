import { describe, expect, it } from 'vitest';
import { broadcastToRoom, forEachConcurrently } from '../../lambdas/core/broadcast.ts';
import { membershipFrame } from '../../lambdas/core/frames.ts';
import type {
  ConnectionGateway,
  ConnectionStore,
  RoomMembership,
  RoomStore,
} from '../../lambdas/core/ports.ts';

const member = (index: number): RoomMembership => ({
  room: 'big',
  connectionId: `c-${index}`,
  tokenExpiresAt: 4_000_000_000,
  userId: `u-${index}`,
  username: `user${index}`,
  joinedAt: 0,
});

function roomOf(size: number, pageSize: number): Pick<RoomStore, 'members'> {
  const members = Array.from({ length: size }, (_, index) => member(index));
  return {
    async *members() {
      for (let start = 0; start < members.length; start += pageSize)
        yield members.slice(start, start + pageSize);
    },
  };
}

const noConnections: ConnectionStore = {
  save: async () => undefined,
  find: async () => undefined,
  remove: async () => ({ connection: undefined, rooms: [] }),
  updateIdentity: async () => 'gone',
  markReauthNotice: async () => false,
  async *ofUser() {},
  async *due() {},
};
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('broadcastToRoom', () => {
  it('never has more posts in flight than its concurrency limit', async () => {
    // Prepare
    let inFlight = 0;
    let peak = 0;
    const gateway: ConnectionGateway = {
      post: async () => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return 'delivered';
      },
      disconnect: async () => 'delivered',
      probe: async () => 'open',
    };

    // Act
    const report = await broadcastToRoom(
      { rooms: roomOf(500, 100), connections: noConnections, gateway, logger: silent },
      'big',
      membershipFrame('joined', 'big', member(0), 0),
      { concurrency: 8 },
    );

    // Assess
    expect(report).toEqual({ delivered: 500, gone: [], failed: 0 });
    expect(peak).toBe(8);
  });

  it('serialises the frame once for every recipient', async () => {
    // Prepare
    const payloads = new Set<unknown>();
    const gateway: ConnectionGateway = {
      post: async (_, data) => {
        payloads.add(data);
        return 'delivered';
      },
      disconnect: async () => 'delivered',
      probe: async () => 'open',
    };

    // Act
    await broadcastToRoom(
      { rooms: roomOf(50, 20), connections: noConnections, gateway, logger: silent },
      'big',
      membershipFrame('left', 'big', member(1), 0),
    );

    // Assess
    expect(payloads.size).toBe(1);
  });
});

describe('forEachConcurrently', () => {
  it('visits every item exactly once', async () => {
    const seen: number[] = [];
    await forEachConcurrently([1, 2, 3, 4, 5], 2, async (item) => void seen.push(item));
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5]);
  });
});
