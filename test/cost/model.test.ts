import { describe, expect, it } from 'vitest';
import type { MeasuredProfile } from '../../cost/measured-profile.ts';
import {
  type CodeFacts,
  defaultAssumptions,
  estimateMonthlyBill,
  meteredMessages,
  shareByService,
  workAt,
} from '../../cost/model.ts';
import type { Price, PriceTable } from '../../cost/prices.ts';

const price = (usd: number): Price => ({ usd, per: 'x', source: 'test', check: { kind: 'unverified' } });

/** Round prices, so every line below can be checked by hand. */
const prices: PriceTable = {
  region: 'test',
  asOf: '2026-11-30',
  apiGateway: {
    webSocketMessages: price(1),
    webSocketMessagesOverBillion: price(0.5),
    connectionMinutes: price(1),
  },
  lambda: { requests: price(1), armGbSecond: price(0.00001) },
  dynamoDb: { readRequestUnits: price(1), writeRequestUnits: price(1), storage: price(1) },
  cloudWatch: { logIngestion: price(1), logStorage: price(0.1) },
  sqs: { fifoRequests: price(1) },
};

const none = { read: 0, write: 0 };
const profile: MeasuredProfile = {
  units: {
    '$connect (cap)': { read: 0, write: 4 },
    '$connect (no cap)': { read: 0, write: 3 },
    'caller gate (every frame)': { read: 0, write: 1 },
    'caller gate (no rate limit)': { read: 1, write: 0 },
    joinRoom: { read: 0.5, write: 4 },
    'joinRoom (new room)': { read: 1, write: 8 },
    'sendMessage, room of 10': { read: 1.5, write: 0 },
    'sendMessage, room of 100': { read: 3, write: 0 },
    'sendMessage, room of 1000': { read: 20, write: 0 },
    leaveRoom: none,
    '$disconnect (2 rooms)': { read: 1.5, write: 8 },
    reauth: none,
    'sweep (nothing due)': none,
  },
  messageUnits: [
    { roomSize: 10, units: { read: 1.5, write: 0 } },
    { roomSize: 100, units: { read: 3, write: 0 } },
    { roomSize: 1000, units: { read: 20, write: 0 } },
  ],
  messages: [
    { roomSize: 10, frames: 10, work: { sendMessage: { invocations: 1, meanDurationMs: 100, logBytes: 0 } } },
    {
      roomSize: 100,
      frames: 100,
      work: { sendMessage: { invocations: 1, meanDurationMs: 200, logBytes: 0 } },
    },
  ],
  connection: {
    authorizer: { invocations: 1, meanDurationMs: 10, logBytes: 0 },
    connect: { invocations: 1, meanDurationMs: 50, logBytes: 200 },
  },
  disconnection: { disconnect: { invocations: 1, meanDurationMs: 100, logBytes: 0 } },
  memoryMb: { sendMessage: 512, authorizer: 256, connect: 256, disconnect: 512, joinRoom: 512, sweeper: 512 },
};
const code: CodeFacts = {
  messageFrameBytes: () => 300,
  sendRequestBytes: () => 100,
  sweeperEverySeconds: 60,
  connectionCapOn: true,
  announceJoinsUpTo: 100,
  occupancyIntervalSeconds: 3,
  fanoutDirectLimit: 100,
  memberShards: 32,
};

describe('estimateMonthlyBill', () => {
  // 1,000 connections in 10 rooms of 100 (one room each), 10 messages a minute, 60-minute connections:
  // 43,800 minutes; 730,000 connections opened and as many joins; 438,000 messages; 43,800 sweeps.
  const bill = estimateMonthlyBill(
    { connections: 1000, rooms: 10, roomSize: 100, messagesPerMinute: 10 },
    defaultAssumptions,
    profile,
    code,
    prices,
  );
  const usd = (item: string) => bill.lines.find((line) => `${line.service} ${line.item}` === item)?.usd;

  it.each([
    // 1,000 × 43,800 connection-minutes at $1 a million
    ['API Gateway connection minutes', 43.8],
    // 438,000 sends + 438,000 × 100 deliveries + 730,000 welcomes + 730,000 × 101 joins + 730,000 × 100 leaves
    ['API Gateway messages (32 KB units), first 1 billion', 191.698],
    // 438,000 sendMessage + 730,000 × (authorizer, connect, disconnect, joinRoom) + 43,800 sweeper
    ['Lambda requests', 3.4018],
    // GB-s: 43,800 send + 1,825 authorizer + 9,125 connect + 36,500 disconnect + 73,000 join + 4,380 sweep
    ['Lambda duration (arm64)', 1.6863],
    // 438,000 × 3 + 730,000 × 1.5 + 730,000 × 0.5
    ['DynamoDB on-demand reads', 2.774],
    // 438,000 × 1 + 730,000 × (4 + 8) + 730,000 × (1 + 4)
    ['DynamoDB on-demand writes', 12.848],
    // (1,000 × 1,000 + 1,000 × 600) bytes in GiB
    ['DynamoDB storage', 0.00149012],
    // Lambda 1,166,540,000 B + access log 2,628,000 requests × 350 B = 2,086,340,000 B = 1.94305 GiB
    ['CloudWatch Logs ingestion', 1.94305],
    ['CloudWatch Logs storage', 0.194305],
    // (438,000 messages + 2 × 730,000 join and leave notices) × 3 + idle polls 2 queues × 5 × 3 × 43,800
    ['SQS FIFO requests (publications, shard deliveries, polls)', 7.008],
  ])('prices %s at $%d', (item, expected) => {
    expect(usd(item)).toBeCloseTo(expected, 4);
  });

  it('adds the lines up, and says where the money goes', () => {
    expect(bill.totalUsd).toBeCloseTo(265.354945, 4);
    expect(shareByService(bill)[0]).toEqual({
      service: 'API Gateway',
      usd: expect.closeTo(235.498, 3),
      // 235.498 ÷ 265.354945
      share: expect.closeTo(0.8875, 3),
    });
    expect(bill.lines.some((line) => line.item.includes('past 1 billion'))).toBe(false);
  });

  it('bills messages past a billion at the lower price, extends fan-out past the largest room measured, and announces a large room by occupancy', () => {
    // One room of 1,000 (frames extrapolated 10 → 100 → 1,000), a message a second, 120-minute connections:
    // 365,000 connections opened and joins; 730,000 presence changes, fewer than the 876,000 3-second
    // intervals of a month, so 730,000 occupancy frames to the room.
    const broadcast = estimateMonthlyBill(
      { connections: 1000, rooms: 1, roomSize: 1000, messagesPerMinute: 60 },
      { ...defaultAssumptions, sessionMinutes: 120 },
      profile,
      code,
      prices,
    );
    // sends × (request + 1,000 deliveries) + welcomes + joinRoom requests + own joined + occupancy frames
    const total = 2_628_000 * 1001 + 365_000 + 365_000 + 365_000 + 730_000 * 1000;
    expect(broadcast.volumes.framesPerMessage).toBeCloseTo(1000);
    expect(broadcast.volumes.occupancyBroadcasts).toBe(730_000);
    const first = broadcast.lines.find((line) => line.item.endsWith('first 1 billion'));
    const past = broadcast.lines.find((line) => line.item.endsWith('past 1 billion'));
    expect(first?.quantity).toBe(1e9);
    expect(past?.quantity).toBeCloseTo(total - 1e9);
    expect(past?.usd).toBeCloseTo(((total - 1e9) / 1e6) * 0.5);
  });

  it('caps occupancy frames at one per interval per room', () => {
    // 60,000 connections reconnecting every 10 minutes in one room: 8.76 M changes, 876,000 intervals.
    const crowded = estimateMonthlyBill(
      { connections: 60_000, rooms: 1, roomSize: 60_000, messagesPerMinute: 0 },
      { ...defaultAssumptions, sessionMinutes: 10 },
      profile,
      code,
      prices,
    );
    expect(crowded.volumes.occupancyBroadcasts).toBe(876_000);
  });

  it('takes a duration given as an assumption over the measured one', () => {
    const slower = estimateMonthlyBill(
      { connections: 1000, rooms: 10, roomSize: 100, messagesPerMinute: 10 },
      { ...defaultAssumptions, durationMs: { sendMessage: 400 } },
      profile,
      code,
      prices,
    );
    // sendMessage doubles from 200 to 400 ms: + 43,800 GB-s, and joinRoom, timed like it, + 73,000
    const duration = slower.lines.find((line) => line.item === 'duration (arm64)');
    expect(duration?.quantity).toBeCloseTo(168_630 + 43_800 + 73_000);
  });
});

describe('membership notices and the integration timeout', () => {
  it("drops the joined and left frames, and joinRoom's broadcast time, when rooms do not announce them", () => {
    const quiet = estimateMonthlyBill(
      { connections: 1000, rooms: 10, roomSize: 100, messagesPerMinute: 10 },
      { ...defaultAssumptions, membershipNotices: false },
      profile,
      code,
      prices,
    );
    // 438,000 + 43,800,000 + 730,000 welcomes + 730,000 joinRoom requests + 730,000 joiners' own `joined`
    expect(quiet.volumes.apiMessages).toBe(46_428_000);
    // 168,630 GB-s less joinRoom's 73,000
    expect(quiet.lines.find((line) => line.item === 'duration (arm64)')?.quantity).toBeCloseTo(95_630);
  });

  it("warns when the fan-out extrapolates past API Gateway's 29 s", () => {
    const huge = estimateMonthlyBill(
      { connections: 50_000, rooms: 1, roomSize: 50_000, messagesPerMinute: 1 },
      defaultAssumptions,
      profile,
      code,
      prices,
    );
    // 100 ms at 10, 200 ms at 100: 50,000 members extrapolate to 55.6 s
    expect(huge.warnings).toEqual([expect.stringContaining("extrapolates to 56 s, past API Gateway's 29 s")]);
  });
});

describe('workAt', () => {
  it('extends invocations and total time per message, so the work grows with the room, not its square', () => {
    // No shard deliveries at 100 members, 4 of 641 ms at 1,000: at 10,000, 44 of 641 ms
    const work = workAt(
      [
        { roomSize: 100, work: { sequencer: { invocations: 1, meanDurationMs: 120, logBytes: 0 } } },
        {
          roomSize: 1000,
          work: {
            sequencer: { invocations: 1, meanDurationMs: 65, logBytes: 0 },
            shardDelivery: { invocations: 4, meanDurationMs: 641, logBytes: 32 },
          },
        },
      ],
      10_000,
    );
    expect(work.shardDelivery?.invocations).toBeCloseTo(44);
    expect(work.shardDelivery?.meanDurationMs).toBeCloseTo(641);
    expect(work.sequencer?.invocations).toBe(1);
    expect(work.sequencer?.meanDurationMs).toBe(0);
  });
});

describe('meteredMessages', () => {
  it.each([
    [1, 1],
    [32 * 1024, 1],
    [32 * 1024 + 1, 2],
    [128 * 1024, 4],
  ])('counts %d bytes as %d messages', (bytes, expected) => {
    expect(meteredMessages(bytes)).toBe(expected);
  });
});
