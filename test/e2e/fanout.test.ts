/**
 * Fan-out on the local stack: the rooms' sequencer and the shard workers behind the emulated SQS FIFO
 * queues, real sockets and DynamoDB Local. The direct limit is 5 here, so a room of 40 connections goes
 * through the 32 member shards, and the emulated @connections API admits 100 requests per second (burst
 * 10), so a burst of messages meets 429s that the workers must wait out and retry: every member must
 * still get every message exactly once, in `seq` order.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../lambdas/adapters/table-layout.ts';
import type { TestClient } from '../local/support/test-client.ts';
import { login } from './support/auth-api.ts';
import { eventually } from './support/eventually.ts';
import { type Frame, request, requestAll } from './support/frames.ts';
import { type Harness, startHarness } from './support/harness.ts';

describe('fan-out through the member shards on the local stack', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({
      policies: {
        rateLimit: { perSecond: 0 },
        maxConnectionsPerUser: 0,
        rooms: { announceJoinsUpTo: 3 },
        history: { roomRate: { perSecond: 500, burst: 1000 } },
        fanout: { directLimit: 5, postsPerSecond: 0 },
      },
      gateway: { limits: { callbackRate: { perSecond: 100, burst: 10 } } },
    });
  });
  afterEach(() => harness.closeAll());
  afterAll(() => harness?.stop());

  const messageSeqs = (client: TestClient, room: string) =>
    client.received
      .map((message) => JSON.parse(message.data) as Frame)
      .filter((frame) => frame.type === 'message' && frame.room === room)
      .map((frame) => Number(frame.seq));

  it('gives every member of a large room every message once and in order, through 429s, from concurrent senders', async () => {
    // Prepare
    const room = `big-${Date.now().toString(36)}`;
    const tokens = await Promise.all(
      ['alice', 'bob', 'carol', 'dave'].map((name) => login(harness.stack, name)),
    );
    const members: TestClient[] = [];
    for (let index = 0; index < 40; index++) {
      const { client } = await harness.connect(`?token=${tokens[index % tokens.length]?.token}`);
      const joined = await request(client, { action: 'joinRoom', room });
      expect(joined).toMatchObject({ type: 'joined', self: true });
      members.push(client);
    }
    const senders = members.slice(0, 3);
    const perSender = 15;

    // Act
    const acks = await Promise.all(
      senders.map((sender, index) =>
        requestAll(
          sender,
          Array.from({ length: perSender }, (_, n) => ({
            action: 'sendMessage',
            room,
            content: `sender ${index} message ${n}`,
            requestId: `s${index}-${n}`,
          })),
        ),
      ),
    );

    // Assess
    const total = senders.length * perSender;
    const everySeq = Array.from({ length: total }, (_, index) => index + 1);
    expect(
      acks
        .flatMap((answers) => [...answers.values()].map((answer) => Number(answer.seq)))
        .sort((a, b) => a - b),
    ).toEqual(everySeq);
    await eventually(async () => {
      for (const member of members) expect(messageSeqs(member, room)).toHaveLength(total);
    }, 120_000);
    for (const member of members) expect(messageSeqs(member, room)).toEqual(everySeq);
    const sequence = await harness.table.documents.send(
      new GetCommand({
        TableName: harness.stack.tableName,
        Key: keys.roomSequence(room),
        ConsistentRead: true,
      }),
    );
    expect(sequence.Item?.sharded).toBe(true);
  }, 180_000);

  it('keeps a small room on its sequencer and still delivers in order', async () => {
    // Prepare
    const room = `small-${Date.now().toString(36)}`;
    const { client: alice } = await harness.connectAs('alice');
    const { client: bob } = await harness.connectAs('bob');
    for (const client of [alice, bob]) await request(client, { action: 'joinRoom', room });

    // Act
    await requestAll(
      alice,
      Array.from({ length: 10 }, (_, n) => ({
        action: 'sendMessage',
        room,
        content: `m${n}`,
        requestId: `a${n}`,
      })),
    );

    // Assess
    await eventually(async () => expect(messageSeqs(bob, room)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    const sequence = await harness.table.documents.send(
      new GetCommand({
        TableName: harness.stack.tableName,
        Key: keys.roomSequence(room),
        ConsistentRead: true,
      }),
    );
    expect(sequence.Item?.sharded).toBeUndefined();
  });
});
