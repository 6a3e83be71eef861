/**
 * Durable history through the session over the in-memory world: numbering, idempotent sends,
 * tombstones (with a sender that dies between taking its number and storing its message), epochs,
 * catch-up and its bound, paging, deleting.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_ACTIONS, type ClientRequest } from '../../lambdas/core/protocol.ts';
import { handleClientFrame } from '../../lambdas/core/session.ts';
import type { ServerFrame } from '../../lambdas/core/wire.ts';
import { defaultHistoryRules, MemoryWorld } from '../fixtures/memory-world.ts';

const everything = new Set([...CLIENT_ACTIONS, 'text' as const]);
let world: MemoryWorld;

async function send(connectionId: string, request: ClientRequest): Promise<ServerFrame[]> {
  const caller = world.connectionRecords.get(connectionId);
  if (!caller) throw new Error(`no connection ${connectionId}`);
  const before = world.framesOf(connectionId).length;
  await handleClientFrame(world.deps(), caller, { kind: 'request', request }, everything);
  return world.framesOf(connectionId).slice(before);
}
const say = (connectionId: string, content: string, clientMsgId?: string) =>
  send(connectionId, {
    action: 'sendMessage',
    room: 'general',
    content,
    ...(clientMsgId ? { clientMsgId } : {}),
  });
const of = <T extends ServerFrame['type']>(frames: ServerFrame[], type: T) =>
  frames.filter((frame): frame is Extract<ServerFrame, { type: T }> => frame.type === type);
const historyOf = async (
  connectionId: string,
  request: Partial<Extract<ClientRequest, { action: 'history' }>> = {},
) => of(await send(connectionId, { action: 'history', room: 'general', ...request }), 'history')[0];

beforeEach(async () => {
  world = new MemoryWorld();
  world.connect('alice', 'alice');
  world.connect('bob', 'bob');
  world.connect('carol', 'carol', ['moderator']);
  for (const id of ['alice', 'bob', 'carol']) await send(id, { action: 'joinRoom', room: 'general' });
  world.clearInboxes();
});

describe('sequence numbers', () => {
  it('numbers a room’s messages 1, 2, 3 … and acknowledges each to its sender with id and seq', async () => {
    // Act
    const acks = [];
    for (const text of ['one', 'two', 'three']) acks.push(...of(await say('alice', text), 'ack'));

    // Assess
    expect(acks.map((ack) => ack.seq)).toEqual([1, 2, 3]);
    const heard = of(world.framesOf('bob'), 'message');
    expect(heard.map((frame) => [frame.seq, frame.content])).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
    ]);
    expect(heard[0]?.epoch).toBe(world.rooms.get('general')?.record.epoch);
    expect(acks[0]?.id).toBe(heard[0]?.id);
  });

  it('creates no second message for a repeated clientMsgId, and acknowledges the first one again', async () => {
    // Act
    const first = of(await say('alice', 'hello', 'c-1'), 'ack')[0];
    const repeat = of(await say('alice', 'hello', 'c-1'), 'ack')[0];
    const next = of(await say('alice', 'next', 'c-2'), 'ack')[0];

    // Assess
    expect(repeat).toMatchObject({ seq: first?.seq, id: first?.id, clientMsgId: 'c-1', duplicate: true });
    expect(of(world.framesOf('bob'), 'message').map((frame) => frame.content)).toEqual(['hello', 'next']);
    // The repeat's own number stays accounted for, as a tombstone.
    const page = await historyOf('bob');
    expect(page?.messages).toEqual([
      expect.objectContaining({ seq: 1, content: 'hello', clientMsgId: 'c-1' }),
      { seq: 2, deleted: true },
      expect.objectContaining({ seq: 3, content: 'next' }),
    ]);
    expect(next?.seq).toBe(3);
  });

  it('treats the same clientMsgId from another user as another message', async () => {
    // Act
    await say('alice', 'mine', 'same');
    const other = of(await say('bob', 'mine too', 'same'), 'ack')[0];

    // Assess
    expect(other).toMatchObject({ seq: 2 });
    expect(other).not.toHaveProperty('duplicate');
  });
});

describe('holes left by a sender that died', () => {
  it('fills a number nothing was stored under with a tombstone once it is older than the hole timeout', async () => {
    // Prepare: message 2's sender dies after taking its number.
    await say('alice', 'one');
    world.failNextStores = 1;
    await expect(say('alice', 'lost')).rejects.toThrow(/died/);
    await say('alice', 'three');

    // Act
    const young = await historyOf('bob');
    world.clock += defaultHistoryRules.holeTimeoutMs + 1;
    const old = await historyOf('bob');

    // Assess
    // While young, the hole may still be filled by a slow sender: the page stops before it.
    expect(young?.messages.map((entry) => entry.seq)).toEqual([1]);
    expect(young?.hasMore).toBe(true);
    expect(old?.messages).toEqual([
      expect.objectContaining({ seq: 1, content: 'one' }),
      { seq: 2, deleted: true },
      expect.objectContaining({ seq: 3, content: 'three' }),
    ]);
    expect(world.storedIn('general', world.rooms.get('general')?.record.epoch ?? '').get(2)).toMatchObject({
      deleted: true,
    });
  });

  it('stores a retried message whose first send died after recording its clientMsgId, under the first number', async () => {
    // Prepare
    world.failNextStores = 1;
    await expect(say('alice', 'important', 'c-9')).rejects.toThrow(/died/);
    world.clock += defaultHistoryRules.holeTimeoutMs;

    // Act
    const retry = of(await say('alice', 'important', 'c-9'), 'ack')[0];

    // Assess
    expect(retry).toMatchObject({ seq: 1, duplicate: true });
    expect(of(world.framesOf('bob'), 'message')).toEqual([
      expect.objectContaining({ seq: 1, content: 'important' }),
    ]);
  });
});

describe('catch-up on join', () => {
  it('replays every message after since, in order, then says it recovered everything', async () => {
    // Prepare
    for (const text of ['a', 'b', 'c', 'd']) await say('alice', text);
    await send('bob', { action: 'leaveRoom', room: 'general' });
    const epoch = world.rooms.get('general')?.record.epoch as string;

    // Act
    const frames = await send('bob', { action: 'joinRoom', room: 'general', since: 2, epoch });

    // Assess
    expect(frames[0]).toMatchObject({
      type: 'joined',
      self: true,
      seq: 4,
      epoch,
      recovered: true,
      replay: { count: 2, complete: true },
    });
    expect(frames.slice(1)).toEqual([
      expect.objectContaining({ type: 'message', seq: 3, content: 'c', replayed: true }),
      expect.objectContaining({ type: 'message', seq: 4, content: 'd', replayed: true }),
    ]);
  });

  it('steps over a number still on its way, and replays what was stored after it', async () => {
    // Prepare: number 2 is taken but not stored yet (its send is in flight); 3 is stored.
    await say('alice', 'one');
    world.failNextStores = 1;
    await expect(say('alice', 'in flight')).rejects.toThrow();
    await say('alice', 'three');
    await send('bob', { action: 'leaveRoom', room: 'general' });

    // Act
    const frames = await send('bob', { action: 'joinRoom', room: 'general', since: 0 });

    // Assess: 3 may have been fanned out before bob joined, so only the replay can give it to him.
    expect(frames[0]).toMatchObject({ recovered: true, replay: { count: 2, complete: true } });
    expect(frames.slice(1).map((frame) => (frame as { seq: number }).seq)).toEqual([1, 3]);
  });

  it('replays deleted messages as messageDeleted, so the numbers stay contiguous', async () => {
    // Prepare
    for (const text of ['a', 'b']) await say('alice', text);
    await send('alice', { action: 'deleteMessage', room: 'general', seq: 1 });
    await send('bob', { action: 'leaveRoom', room: 'general' });

    // Act
    const frames = await send('bob', { action: 'joinRoom', room: 'general', since: 0 });

    // Assess
    expect(frames.slice(1)).toEqual([
      { type: 'messageDeleted', room: 'general', seq: 1, by: 'alice', replayed: true },
      expect.objectContaining({ type: 'message', seq: 2 }),
    ]);
  });

  it('says recovered:false after the room was deleted and created again, and replays the new epoch', async () => {
    // Prepare
    await say('alice', 'old');
    const oldEpoch = world.rooms.get('general')?.record.epoch as string;
    await send('alice', { action: 'deleteRoom', room: 'general' });
    await send('alice', { action: 'joinRoom', room: 'general' });
    await say('alice', 'new');

    // Act
    const frames = await send('bob', { action: 'joinRoom', room: 'general', since: 1, epoch: oldEpoch });

    // Assess
    expect(frames[0]).toMatchObject({ type: 'joined', recovered: false, seq: 1 });
    expect(frames[0]).not.toMatchObject({ epoch: oldEpoch });
    expect(frames.slice(1)).toEqual([expect.objectContaining({ seq: 1, content: 'new' })]);
  });

  it('says recovered:false when since is older than the retention, and replays what is kept', async () => {
    // Prepare: two messages, then the first ages past the retention.
    await say('alice', 'ancient');
    world.clock += defaultHistoryRules.retentionMs - 1_000;
    await say('alice', 'recent');
    world.clock += 2_000;
    await send('bob', { action: 'leaveRoom', room: 'general' });

    // Act
    const frames = await send('bob', { action: 'joinRoom', room: 'general', since: 0 });

    // Assess
    expect(frames[0]).toMatchObject({ recovered: false });
    expect(frames.slice(1).map((frame) => (frame as { seq: number }).seq)).toEqual([2]);
  });

  it('replays at most maxReplay messages and says there is more to page through', async () => {
    // Prepare
    world.historyRules = { ...defaultHistoryRules, maxReplay: 3 };
    for (let index = 1; index <= 5; index++) await say('alice', `m${index}`);
    await send('bob', { action: 'leaveRoom', room: 'general' });

    // Act
    const frames = await send('bob', { action: 'joinRoom', room: 'general', since: 0 });
    const rest = await historyOf('bob', { after: 3 });

    // Assess
    expect(frames[0]).toMatchObject({ recovered: true, replay: { count: 3, complete: false } });
    expect(frames.slice(1).map((frame) => (frame as { seq: number }).seq)).toEqual([1, 2, 3]);
    expect(rest?.messages.map((entry) => entry.seq)).toEqual([4, 5]);
    expect(rest?.hasMore).toBe(false);
  });

  it('carries the room’s seq and epoch on every joined confirmation', async () => {
    // Prepare
    await say('alice', 'x');
    world.connect('erin', 'erin');

    // Act
    const frames = await send('erin', { action: 'joinRoom', room: 'general' });

    // Assess
    expect(frames[0]).toMatchObject({ type: 'joined', seq: 1, epoch: expect.any(String) });
    expect(frames[0]).not.toHaveProperty('recovered');
  });
});

describe('history', () => {
  beforeEach(async () => {
    for (let index = 1; index <= 7; index++) await say('alice', `m${index}`);
  });

  it('pages oldest first: the latest page, then before, then after', async () => {
    // Act
    const latest = await historyOf('bob', { limit: 3 });
    const older = await historyOf('bob', { before: 5, limit: 3 });
    const newer = await historyOf('bob', { after: 5 });

    // Assess
    expect(latest?.messages.map((entry) => entry.seq)).toEqual([5, 6, 7]);
    expect(latest?.hasMore).toBe(true);
    expect(older?.messages.map((entry) => entry.seq)).toEqual([2, 3, 4]);
    expect(older?.hasMore).toBe(true);
    expect(newer?.messages.map((entry) => entry.seq)).toEqual([6, 7]);
    expect(newer?.hasMore).toBe(false);
  });

  it('answers members only', async () => {
    // Prepare
    world.connect('erin', 'erin');

    // Act
    const refused = await send('erin', { action: 'history', room: 'general' });

    // Assess
    expect(refused[0]).toMatchObject({ type: 'error', code: 'NOT_A_MEMBER' });
  });

  it('answers HISTORY_DISABLED when history is off', async () => {
    // Prepare
    world.historyRules = { ...defaultHistoryRules, retentionMs: 0 };

    // Act
    const refused = await send('bob', { action: 'history', room: 'general' });

    // Assess
    expect(refused[0]).toMatchObject({ type: 'error', code: 'HISTORY_DISABLED' });
  });
});

describe('deleting', () => {
  it('lets a sender delete their message within the window; members hear it and history keeps a tombstone', async () => {
    // Prepare
    await say('alice', 'oops');

    // Act
    const answer = await send('alice', { action: 'deleteMessage', room: 'general', seq: 1, requestId: 'd' });
    const page = await historyOf('bob');

    // Assess
    expect(answer).toEqual([
      { type: 'messageDeleted', room: 'general', seq: 1, by: 'alice', requestId: 'd' },
    ]);
    expect(of(world.framesOf('bob'), 'messageDeleted')).toEqual([
      { type: 'messageDeleted', room: 'general', seq: 1, by: 'alice' },
    ]);
    expect(page?.messages).toEqual([{ seq: 1, deleted: true, by: 'alice' }]);
  });

  it('refuses a sender after the window and anyone else’s message to a member, but not to a moderator', async () => {
    // Prepare: bob, a plain member, sends two messages in alice's room.
    await say('bob', 'a');
    await say('bob', 'b');
    world.connect('erin', 'erin');
    await send('erin', { action: 'joinRoom', room: 'general' });

    // Act
    const byErin = await send('erin', { action: 'deleteMessage', room: 'general', seq: 1 });
    world.clock += defaultHistoryRules.deleteOwnWindowMs + 1;
    const late = await send('bob', { action: 'deleteMessage', room: 'general', seq: 2 });
    const byModerator = await send('carol', { action: 'deleteMessage', room: 'general', seq: 2 });
    const again = await send('carol', { action: 'deleteMessage', room: 'general', seq: 2 });

    // Assess
    expect(byErin[0]).toMatchObject({ code: 'FORBIDDEN' });
    expect(late[0]).toMatchObject({ code: 'FORBIDDEN' });
    expect(byModerator[0]).toMatchObject({ type: 'messageDeleted', by: 'carol' });
    expect(again[0]).toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
  });
});
