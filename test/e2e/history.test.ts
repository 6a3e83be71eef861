/**
 * Durable history and gap-free catch-up on the local stack: real sockets, DynamoDB Local, concurrent
 * senders on the in-process instances, readers that drop their connections at random and rejoin with
 * `since`. The hole timeout is 1 s here so a number a dead sender left unused is filled within the test.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../lambdas/adapters/table-layout.ts';
import type { TestClient } from '../local/support/test-client.ts';
import { type LoginTokens, login } from './support/auth-api.ts';
import { delay, eventTimeoutMs, eventually } from './support/eventually.ts';
import { type Frame, request, requestAll } from './support/frames.ts';
import { type Harness, startHarness } from './support/harness.ts';

describe('durable history on the local stack', () => {
  let harness: Harness;
  let sequence = 0;
  const fresh = (prefix: string) => `${prefix}-${++sequence}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    harness = await startHarness({
      policies: {
        rateLimit: { perSecond: 0 },
        maxConnectionsPerUser: 0,
        history: { holeTimeoutSeconds: 1, roomRate: { perSecond: 500, burst: 1000 } },
      },
    });
  });
  afterEach(() => harness.closeAll());
  afterAll(() => harness?.stop());

  /** A reader that keeps, by seq, every message it hears, live or replayed, and can drop and rejoin. */
  class Reader {
    readonly seen = new Map<number, string>();
    duplicates = 0;
    epoch: string | undefined;
    client: TestClient | undefined;
    private consumed = 0;

    constructor(
      private readonly tokens: LoginTokens,
      private readonly room: string,
    ) {}

    /** The highest seq up to which nothing is missing. */
    get contiguous(): number {
      let seq = 0;
      while (this.seen.has(seq + 1)) seq++;
      return seq;
    }

    async join(): Promise<Frame> {
      this.client = (await harness.connect(`?token=${this.tokens.token}`)).client;
      this.consumed = 0;
      const joined = await request(this.client, {
        action: 'joinRoom',
        room: this.room,
        // A rejoin asks for everything after what it has, even if that is nothing yet.
        ...(this.epoch !== undefined ? { since: this.contiguous, epoch: this.epoch } : {}),
      });
      this.epoch = String(joined.epoch);
      return joined;
    }

    /** Takes in what has arrived since the last look. */
    collect(): void {
      const received = this.client?.received ?? [];
      for (; this.consumed < received.length; this.consumed++) {
        const frame = JSON.parse(received[this.consumed]?.data ?? '{}') as Frame;
        if ((frame.type === 'message' || frame.type === 'messageDeleted') && frame.room === this.room) {
          const seq = Number(frame.seq);
          if (this.seen.has(seq)) this.duplicates++;
          else this.seen.set(seq, frame.type === 'message' ? String(frame.content) : '(deleted)');
        }
      }
    }

    drop(): void {
      this.collect();
      this.client?.close();
      this.client = undefined;
    }
  }

  async function storedHistory(client: TestClient, room: string): Promise<Map<number, string>> {
    const stored = new Map<number, string>();
    let after = 0;
    for (;;) {
      const page = await request(client, { action: 'history', room, after, limit: 100 });
      const messages = page.messages as { seq: number; content?: string; deleted?: boolean }[];
      for (const message of messages)
        stored.set(message.seq, message.deleted ? '(deleted)' : String(message.content));
      if (!page.hasMore) return stored;
      after = messages.at(-1)?.seq ?? after;
    }
  }

  it('gives every reader every seq from 1 to N exactly once after dropping duplicates, across drops and rejoins with since', async () => {
    const [alice, bob, carol, dave] = await Promise.all(
      ['alice', 'bob', 'carol', 'dave'].map((name) => login(harness.stack, name)),
    );
    await fc.assert(
      fc.asyncProperty(
        // Each reader drops its connection after a random number of the senders' rounds, then rejoins.
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 2, maxLength: 2 }),
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 3, maxLength: 3 }),
        async (dropAfter, pauses) => {
          const room = fresh('stress');
          const senders = await Promise.all(
            [alice, bob, carol].map(
              async (tokens) => (await harness.connect(`?token=${tokens?.token}`)).client,
            ),
          );
          for (const sender of senders) await request(sender, { action: 'joinRoom', room });
          const readers = [new Reader(dave as LoginTokens, room), new Reader(dave as LoginTokens, room)];
          for (const reader of readers) await reader.join();

          // Act: 3 senders × 10 rounds, concurrently; readers drop and rejoin along the way.
          const rounds = 10;
          const acks: Frame[] = [];
          await Promise.all([
            ...senders.map(async (sender, index) => {
              for (let round = 0; round < rounds; round++) {
                acks.push(
                  await request(sender, {
                    action: 'sendMessage',
                    room,
                    content: `s${index}r${round}`,
                    clientMsgId: `s${index}-r${round}`,
                  }),
                );
                await delay(pauses[index] ?? 0);
              }
            }),
            ...readers.map(async (reader, index) => {
              await delay((dropAfter[index] ?? 0) * 20);
              reader.drop();
              await delay(50);
              await reader.join();
            }),
          ]);
          const total = acks.filter((ack) => ack.type === 'ack').length;
          await eventually(async () => {
            for (const reader of readers) {
              reader.collect();
              expect(
                reader.contiguous,
                `reader has ${[...reader.seen.keys()].sort((a, b) => a - b).join(',')} of ${total}`,
              ).toBeGreaterThanOrEqual(total);
            }
          }, eventTimeoutMs * 2);

          // Assess
          expect(total).toBe(senders.length * rounds);
          expect(new Set(acks.map((ack) => ack.seq)).size).toBe(total);
          const stored = await storedHistory(senders[0] as TestClient, room);
          expect([...stored.keys()]).toEqual(Array.from({ length: total }, (_, index) => index + 1));
          for (const reader of readers) {
            expect([...reader.seen.keys()].sort((a, b) => a - b)).toEqual([...stored.keys()]);
            expect(new Map([...reader.seen].sort(([a], [b]) => a - b))).toEqual(stored);
          }
          for (const client of senders) client.close();
          for (const reader of readers) reader.drop();
        },
      ),
      { numRuns: 3, endOnFailure: true },
    );
  }, 180_000);

  it('creates one message for retries with the same clientMsgId sent concurrently', async () => {
    // Prepare
    const room = fresh('retry');
    const [alice, bob] = await Promise.all([harness.connectAs('alice'), harness.connectAs('bob')]);
    await request(alice.client, { action: 'joinRoom', room });
    await request(bob.client, { action: 'joinRoom', room });

    // Act
    const answers = await requestAll(
      alice.client,
      Array.from({ length: 5 }, (_, index) => ({
        action: 'sendMessage',
        room,
        content: 'only once',
        clientMsgId: 'the-one',
        requestId: `retry-${index}`,
      })),
    );
    const acks = [...answers.values()];
    await request(alice.client, { action: 'sendMessage', room, content: 'marker' });
    await bob.client.nextJson(
      (frame) => frame.type === 'message' && frame.content === 'marker',
      eventTimeoutMs,
    );

    // Assess
    expect(new Set(acks.map((ack) => `${ack.seq}/${ack.id}`)).size).toBe(1);
    expect(acks.filter((ack) => ack.duplicate === true)).toHaveLength(4);
    const heard = bob.client.received.filter((message) => message.data.includes('"content":"only once"'));
    expect(heard).toHaveLength(1);
    const page = await request(bob.client, { action: 'history', room });
    const messages = page.messages as { content?: string; deleted?: boolean }[];
    expect(messages.filter((message) => message.content === 'only once')).toHaveLength(1);
  });

  it('fills a number a dead sender took with a tombstone, so history stays contiguous', async () => {
    // Prepare: one message, then a sender takes number 2 and dies before storing anything.
    const room = fresh('hole');
    const alice = await harness.connectAs('alice');
    await request(alice.client, { action: 'joinRoom', room });
    await request(alice.client, { action: 'sendMessage', room, content: 'one' });
    await harness.table.documents.send(
      new UpdateCommand({
        TableName: harness.stack.tableName,
        Key: keys.roomSequence(room),
        UpdateExpression: 'ADD seq :one SET seqAt = :now',
        ExpressionAttributeValues: { ':one': 1, ':now': Date.now() },
      }),
    );
    await request(alice.client, { action: 'sendMessage', room, content: 'three' });

    // Act: once the hole is older than the (1 s) timeout, read the history.
    await delay(1_200);
    const page = await request(alice.client, { action: 'history', room });
    const { Item: filled } = await harness.table.documents.send(
      new GetCommand({
        TableName: harness.stack.tableName,
        Key: keys.message(room, String(page.epoch), 2),
        ConsistentRead: true,
      }),
    );

    // Assess
    expect(page.messages).toEqual([
      expect.objectContaining({ seq: 1, content: 'one' }),
      { seq: 2, deleted: true },
      expect.objectContaining({ seq: 3, content: 'three' }),
    ]);
    expect(filled).toMatchObject({ seq: 2, deleted: true });
  });

  it('replays what a connection missed on rejoin, recovered, and carries seq and epoch on joined', async () => {
    // Prepare
    const room = fresh('resume');
    const [alice, bob] = await Promise.all([harness.connectAs('alice'), harness.connectAs('bob')]);
    const first = await request(bob.client, { action: 'joinRoom', room });
    await request(alice.client, { action: 'joinRoom', room });
    await request(alice.client, { action: 'sendMessage', room, content: 'before' });
    await bob.client.nextJson((frame) => frame.type === 'message', eventTimeoutMs);
    bob.client.close();
    for (const content of ['while away 1', 'while away 2']) {
      await request(alice.client, { action: 'sendMessage', room, content });
    }

    // Act
    const again = await harness.connect(`?token=${bob.tokens.token}`);
    const joined = await request(again.client, { action: 'joinRoom', room, since: 1, epoch: first.epoch });
    const replayed = [
      await again.client.nextJson((frame) => frame.type === 'message', eventTimeoutMs),
      await again.client.nextJson((frame) => frame.type === 'message', eventTimeoutMs),
    ];

    // Assess
    expect(first).toMatchObject({ type: 'joined', seq: 0, epoch: expect.any(String) });
    expect(joined).toMatchObject({
      recovered: true,
      seq: 3,
      epoch: first.epoch,
      replay: { count: 2, complete: true },
    });
    expect(replayed.map((frame) => [frame.seq, frame.content, frame.replayed])).toEqual([
      [2, 'while away 1', true],
      [3, 'while away 2', true],
    ]);
  });
});
