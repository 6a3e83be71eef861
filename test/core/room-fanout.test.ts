/**
 * Fan-out over the in-memory world: small rooms posted by their sequencer, large rooms through the
 * member shards, the switch between them, and order and completeness for every member.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MEMBER_SHARDS } from '../../lambdas/core/member-shards.ts';
import { CLIENT_ACTIONS, type ClientRequest } from '../../lambdas/core/protocol.ts';
import { handleClientFrame } from '../../lambdas/core/session.ts';
import type { ServerFrame } from '../../lambdas/core/wire.ts';
import { defaultFanoutRules, MemoryWorld } from '../fixtures/memory-world.ts';

const everything = new Set([...CLIENT_ACTIONS, 'text' as const]);
let world: MemoryWorld;

async function send(connectionId: string, request: ClientRequest): Promise<void> {
  const caller = world.connectionRecords.get(connectionId);
  if (!caller) throw new Error(`no connection ${connectionId}`);
  await handleClientFrame(world.deps(), caller, { kind: 'request', request }, everything);
}
const say = (connectionId: string, content: string) =>
  send(connectionId, { action: 'sendMessage', room: 'big', content });
const seqsHeardBy = (connectionId: string) =>
  world
    .framesOf(connectionId)
    .filter((frame): frame is Extract<ServerFrame, { type: 'message' }> => frame.type === 'message')
    .map((frame) => frame.seq);

/** Gateway-style ids (base64), so members spread over every shard. */
const memberId = (index: number) => Buffer.from(`member-${index}`).toString('base64');

async function fillRoom(members: number): Promise<string[]> {
  const ids = Array.from({ length: members }, (_, index) => memberId(index));
  for (const [index, id] of ids.entries()) {
    world.connect(id, `user${index}`);
    await send(id, { action: 'joinRoom', room: 'big' });
  }
  world.clearInboxes();
  return ids;
}

beforeEach(() => {
  world = new MemoryWorld({ ...new MemoryWorld().rules, announceJoinsUpTo: 5 });
  world.fanoutRules = { ...defaultFanoutRules, directLimit: 20 };
});

describe('room fan-out', () => {
  it('posts a room within the direct limit from its sequencer, without the shards', async () => {
    // Prepare
    const ids = await fillRoom(20);

    // Act
    await say(ids[0] as string, 'hello');

    // Assess
    expect(world.shardDeliveries).toEqual([]);
    for (const id of ids) expect(seqsHeardBy(id)).toEqual([1]);
  });

  it('gives every member of a room past the limit every message once, in order, through all the shards', async () => {
    // Prepare
    const ids = await fillRoom(120);

    // Act
    for (let n = 0; n < 12; n++) await say(ids[n % ids.length] as string, `message ${n}`);

    // Assess
    expect(new Set(world.shardDeliveries.map((delivery) => delivery.shard)).size).toBe(MEMBER_SHARDS);
    for (const id of ids) expect(seqsHeardBy(id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('keeps a room on the shards for the rest of its epoch once it went there, even after it shrinks', async () => {
    // Prepare
    const ids = await fillRoom(25);
    await say(ids[0] as string, 'while large');
    for (const id of ids.slice(5)) await send(id, { action: 'leaveRoom', room: 'big' });
    const before = world.shardDeliveries.length;

    // Act
    await say(ids[0] as string, 'now small');

    // Assess
    expect(world.shardDeliveries.length).toBe(before + MEMBER_SHARDS);
    for (const id of ids.slice(0, 5)) expect(seqsHeardBy(id)).toEqual([1, 2]);
  });

  it('starts a recreated room on the direct path again', async () => {
    // Prepare
    const ids = await fillRoom(25);
    const owner = world.rooms.get('big')?.record.owner;
    const ownerId = ids.find((id) => world.connectionRecords.get(id)?.username === owner) as string;
    await say(ownerId, 'large');
    await send(ownerId, { action: 'deleteRoom', room: 'big' });
    await send(ownerId, { action: 'joinRoom', room: 'big' });
    const before = world.shardDeliveries.length;
    world.clearInboxes();

    // Act
    await say(ownerId, 'fresh');

    // Assess
    expect(world.shardDeliveries.length).toBe(before);
    expect(seqsHeardBy(ownerId)).toEqual([1]);
  });

  it('tells every former member of a deleted room, by name, after the frames before it', async () => {
    // Prepare
    const ids = await fillRoom(30);
    const owner = world.rooms.get('big')?.record.owner;
    const ownerId = ids.find((id) => world.connectionRecords.get(id)?.username === owner) as string;
    await say(ownerId, 'last words');

    // Act
    await send(ownerId, { action: 'deleteRoom', room: 'big' });

    // Assess
    for (const id of ids) {
      const types = world.framesOf(id).map((frame) => frame.type);
      expect(types.at(-1)).toBe('roomDeleted');
      expect(types.filter((type) => type === 'roomDeleted')).toHaveLength(1);
    }
  });
});
