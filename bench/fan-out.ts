/**
 * Figure 2: the local stack's fan-out against a bare `ws` server. For each room size N, N real clients
 * connect to the local stack (real handshakes, RS256 tokens, the authorizer, `$connect`, the welcome),
 * become members of one room, and one of them sends: paced messages (each waits for the last member's
 * receipt) and a numbered burst (sent back to back). Then the same number of clients connect to a bare
 * `ws` server that sends the same frame to all of them, and the same exchange runs. Beside every latency:
 * lost, duplicated and out-of-order deliveries.
 *
 * Memberships are written with the production `DynamoRoomStore.join` (the write `joinRoom` makes)
 * rather than by N `joinRoom` requests, whose `joined` broadcasts would cost N² posts before the first
 * message. The stack runs in a process of its own (bench/stack-host.ts) that counts each function's
 * invocations, time and log bytes, so the same run yields the per-operation figures of section 3.
 */
import { setMaxListeners } from 'node:events';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoRoomStore } from '../lambdas/adapters/dynamo-room-store.ts';
import { forEachConcurrently } from '../lambdas/core/broadcast.ts';
import { defaults } from '../lambdas/defaults.ts';
import { localCredentials } from '../local/dynamodb/dynamodb-local.ts';
import { startBareWsBroadcast } from './baselines/bare-ws-broadcast.ts';
import { totalDeliveries } from './delivery-ledger.ts';
import { type BenchEntry, compared, type DeliveryCounts, figure } from './entry.ts';
import {
  type Counters,
  countersBetween,
  type StackHost,
  settledInvocations,
  startStackHost,
} from './stack-host-client.ts';
import { percentile } from './stats.ts';
import { formatNumber } from './table.ts';
import { type BenchClient, benchContent, closeAll, openClientsAtRate } from './ws-clients.ts';

export const SECTION = '2. Local stack send → last member ÷ bare ws server, same frames, same clients';
export const PER_OPERATION_SECTION =
  '3b. Per operation on the local stack: Lambda invocations, time, log bytes, frames';

export interface FanOutOptions {
  readonly roomSizes: readonly number[];
  /** Messages sent one at a time, each after the previous one reached everybody. */
  readonly paced: number;
  /** Messages sent back to back. */
  readonly burst: number;
  /** Handshakes started per second. */
  readonly connectPerSecond: number;
}

interface Exchange {
  readonly latencies: number[];
  readonly burstMs: number;
  readonly deliveries: DeliveryCounts;
  readonly frames: number;
}

/** Milliseconds to wait for a message before counting it lost. */
const patienceMs = (members: number) => 15_000 + members * 5;

async function exchange(
  clients: readonly BenchClient[],
  room: string,
  options: FanOutOptions,
  afterPaced: () => Promise<void> = async () => undefined,
): Promise<Exchange> {
  const sender = clients[0] as BenchClient;
  const framesBefore = clients.reduce((sum, client) => sum + client.frames.count, 0);
  const send = (number: number) =>
    sender.socket.send(JSON.stringify({ action: 'sendMessage', room, content: benchContent(number) }));
  const waitAll = async (numbers: readonly number[]) => {
    const signal = AbortSignal.timeout(patienceMs(clients.length));
    // One listener per awaited delivery: thousands, on purpose.
    setMaxListeners(0, signal);
    const arrivals = await Promise.all(
      clients.flatMap((client) => numbers.map((number) => client.ledger.arrived(number, signal))),
    );
    return Math.max(...arrivals.filter((at): at is number => at !== undefined));
  };
  const latencies: number[] = [];
  const sent: number[] = [];
  for (let round = 0; round < options.paced; round++) {
    const number = sent.length;
    sent.push(number);
    const waiting = waitAll([number]);
    const at = performance.now();
    send(number);
    latencies.push((await waiting) - at);
  }
  const frames = clients.reduce((sum, client) => sum + client.frames.count, 0) - framesBefore;
  await afterPaced();
  const burst = Array.from({ length: options.burst }, (_, index) => sent.length + index);
  sent.push(...burst);
  const waiting = waitAll(burst);
  const burstStarted = performance.now();
  for (const number of burst) send(number);
  const burstMs = (await waiting) - burstStarted;
  return {
    latencies,
    burstMs,
    deliveries: totalDeliveries(clients.map((client) => client.ledger.counts(sent))),
    frames: frames / options.paced,
  };
}

async function login(host: StackHost): Promise<string> {
  const response = await fetch(`${host.httpUrl}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'password1' }),
  });
  return ((await response.json()) as { token: string }).token;
}

interface StackRun {
  readonly exchange: Exchange;
  readonly perConnect: Counters;
  readonly perMessage: Counters;
  readonly perDisconnect: Counters;
  readonly failures: number;
}

const divided = (counters: Counters, by: number): Counters =>
  Object.fromEntries(
    Object.entries(counters).map(([name, c]) => [
      name,
      {
        invocations: c.invocations / by,
        durationMs: c.durationMs / by,
        logLines: c.logLines / by,
        logBytes: c.logBytes / by,
      },
    ]),
  );

async function runOnStack(
  host: StackHost,
  rooms: DynamoRoomStore,
  url: string,
  size: number,
  options: FanOutOptions,
): Promise<StackRun> {
  const room = `fanout-${size}`;
  const beforeConnect = await host.counters();
  const opened = await openClientsAtRate(url, size, options.connectPerSecond);
  const welcomes = await Promise.all(opened.clients.map((client) => client.welcome));
  const afterConnect = await settledInvocations(
    host,
    beforeConnect,
    'connectionEvents',
    opened.clients.length,
  );
  await forEachConcurrently(welcomes, 16, async (welcome) => {
    await rooms.join({
      room,
      connectionId: welcome.connectionId,
      userId: welcome.userId,
      username: welcome.username,
      joinedAt: Date.now(),
      tokenExpiresAt: Math.floor(Date.parse(welcome.tokenExpiresAt) / 1000),
    });
  });
  const beforeMessages = await host.counters();
  let afterPaced = beforeMessages;
  // Per-message figures come from the paced messages alone: one invocation at a time, as on Lambda,
  // where concurrent invocations run in instances of their own and do not slow each other down.
  const result = await exchange(opened.clients, room, options, async () => {
    afterPaced = await host.counters();
  });
  const afterMessages = await host.counters();
  await closeAll(opened.clients);
  const afterDisconnect = await settledInvocations(host, afterMessages, 'disconnect', opened.clients.length);
  return {
    exchange: result,
    perConnect: divided(countersBetween(beforeConnect, afterConnect), opened.clients.length),
    perMessage: divided(countersBetween(beforeMessages, afterPaced), options.paced),
    perDisconnect: divided(countersBetween(afterMessages, afterDisconnect), opened.clients.length),
    failures: opened.failures,
  };
}

async function runOnBare(url: string, size: number, options: FanOutOptions): Promise<Exchange> {
  const opened = await openClientsAtRate(url, size, options.connectPerSecond);
  try {
    return await exchange(opened.clients, `fanout-${size}`, options);
  } finally {
    await closeAll(opened.clients);
  }
}

const sum = (counters: Counters, field: 'invocations' | 'logBytes' | 'logLines') =>
  Object.values(counters).reduce((total, c) => total + c[field], 0);

const breakdown = (counters: Counters) =>
  Object.entries(counters)
    .filter(([, c]) => c.invocations > 0)
    .map(([name, c]) => `${name} ${formatNumber(c.invocations)}`)
    .join(', ');

/** Per-operation figures: invocations, log bytes and each function's mean duration in that operation. */
function perOperationEntries(label: string, counters: Counters): BenchEntry[] {
  const durations = Object.entries(counters)
    .filter(([, c]) => c.invocations > 0)
    .map(([name, c]) =>
      figure(
        PER_OPERATION_SECTION,
        `mean duration of ${name} per ${label}`,
        c.durationMs / c.invocations,
        'ms',
        {
          note: 'in-process on the local stack (DynamoDB Local, loopback @connections)',
        },
      ),
    );
  return [
    figure(
      PER_OPERATION_SECTION,
      `Lambda invocations per ${label}`,
      sum(counters, 'invocations'),
      'invocations',
      {
        note: breakdown(counters),
      },
    ),
    figure(PER_OPERATION_SECTION, `log bytes per ${label}`, sum(counters, 'logBytes'), 'bytes', {
      note: `${formatNumber(sum(counters, 'logLines'))} lines, handlers' own JSON lines only`,
    }),
    ...durations,
  ];
}

export async function measureFanOut(options: FanOutOptions): Promise<BenchEntry[]> {
  const host = await startStackHost();
  const bare = await startBareWsBroadcast();
  const raw = new DynamoDBClient({
    endpoint: host.dynamoEndpoint,
    region: host.region,
    credentials: localCredentials,
  });
  const rooms = new DynamoRoomStore(
    DynamoDBDocumentClient.from(raw),
    host.tableName,
    defaults.connectionTtlSeconds,
  );
  const entries: BenchEntry[] = [];
  const perOperation: BenchEntry[] = [];
  try {
    const url = `${host.webSocketUrl}?token=${encodeURIComponent(await login(host))}`;
    for (const size of options.roomSizes) {
      const stack = await runOnStack(host, rooms, url, size, options);
      const baseline = await runOnBare(bare.url, size, options);
      const p50 = percentile(stack.exchange.latencies, 50);
      const bareP50 = percentile(baseline.latencies, 50);
      const b = baseline.deliveries;
      entries.push(
        compared(
          SECTION,
          `room of ${size.toLocaleString('en-US')}, send → last member p50`,
          p50,
          bareP50,
          'ms',
          {
            ...(size === 1000 ? { goal: { comparison: 'at-most', ratio: 5 } } : {}),
            deliveries: stack.exchange.deliveries,
            note: `p95 ${formatNumber(percentile(stack.exchange.latencies, 95))} vs ${formatNumber(percentile(baseline.latencies, 95))} ms; burst of ${options.burst}: ${formatNumber(stack.exchange.burstMs)} vs ${formatNumber(baseline.burstMs)} ms; bare lost/dup/ooo ${b.lost}/${b.duplicated}/${b.outOfOrder}${stack.failures ? `; ${stack.failures} handshakes failed` : ''}`,
          },
        ),
      );
      perOperation.push(
        ...perOperationEntries(`message, room of ${size.toLocaleString('en-US')}`, stack.perMessage),
        figure(
          PER_OPERATION_SECTION,
          `frames delivered per message, room of ${size.toLocaleString('en-US')}`,
          stack.exchange.frames,
          'frames',
        ),
      );
      if (size === options.roomSizes[options.roomSizes.length - 1]) {
        perOperation.push(
          ...perOperationEntries('connection ($connect, authorizer, welcome)', stack.perConnect),
          ...perOperationEntries('disconnection', stack.perDisconnect),
        );
      }
    }
    return [...entries, ...perOperation];
  } finally {
    raw.destroy();
    await bare.stop();
    await host.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { formatTable } = await import('./table.ts');
  console.log(
    formatTable(await measureFanOut({ roomSizes: [10, 100], paced: 5, burst: 10, connectPerSecond: 200 })),
  );
}
