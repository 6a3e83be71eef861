/**
 * Figure 2: the local stack's fan-out against a bare `ws` server. For each room size N, N real clients
 * connect to the local stack (real handshakes, RS256 tokens, the authorizer, `$connect`, the welcome),
 * become members of one room, and one of them sends: paced messages (each waits for the last member's
 * receipt) and a numbered burst (sent back to back). The baseline is the same exchange with the same
 * number of clients on a bare `ws` server that sends the same frame to all of them, run first for every
 * size so no stack work runs beside it. Beside every latency: lost, duplicated and out-of-order
 * deliveries.
 *
 * Memberships are written with the production `DynamoRoomStore.join` (the write `joinRoom` makes)
 * rather than by N `joinRoom` requests, whose `joined` broadcasts would cost N² posts before the first
 * message. The stack runs in a process of its own (bench/stack-host.ts) that counts each function's
 * invocations, time and log bytes, so the same run yields the per-operation figures of section 3.
 */
import { setMaxListeners } from 'node:events';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoRoomDirectory } from '../lambdas/adapters/dynamo-room-directory.ts';
import { DynamoRoomStore } from '../lambdas/adapters/dynamo-room-store.ts';
import { keys } from '../lambdas/adapters/table-layout.ts';
import { forEachConcurrently } from '../lambdas/core/concurrency.ts';
import { defaults } from '../lambdas/defaults.ts';
import { localCredentials } from '../local/dynamodb/dynamodb-local.ts';
import { startBareWsBroadcast } from './baselines/bare-ws-broadcast.ts';
import { totalDeliveries } from './delivery-ledger.ts';
import { type BenchEntry, compared, type DeliveryCounts, figure } from './entry.ts';
import { framesEntryName, invocationsEntryName, stackOperationLabels } from './figure-names.ts';
import {
  type Counters,
  countersBetween,
  type StackHost,
  settledInvocations,
  startStackHost,
} from './stack-host-client.ts';
import { percentile } from './stats.ts';
import { formatNumber } from './table.ts';
import {
  type BenchClient,
  benchContent,
  closeAll,
  type OpenedClients,
  openClient,
  openClientsAtRate,
  type WelcomeInfo,
} from './ws-clients.ts';

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
    // A loop, not Math.max(...): a room of 10,000 and a burst of 20 are 200,000 arrivals.
    let last = Number.NaN;
    for (const at of arrivals) if (at !== undefined && !(at <= last)) last = at;
    return last;
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

/** `BENCH_TRACE=1` prints how long each phase took, to see where a run spends its time. */
const trace = (what: string, since: number) => {
  if (process.env.BENCH_TRACE)
    process.stderr.write(`  ${what}: ${((performance.now() - since) / 1000).toFixed(1)} s\n`);
  return performance.now();
};

/** Deletes both items of every membership of `room`, 25 at a time (BatchWriteItem's limit). */
async function leaveAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  room: string,
  members: readonly WelcomeInfo[],
): Promise<void> {
  let requests = members.flatMap(({ connectionId }) => [
    { DeleteRequest: { Key: keys.roomMember(room, connectionId) } },
    { DeleteRequest: { Key: keys.roomOfConnection(connectionId, room) } },
  ]);
  const batches: (typeof requests)[] = [];
  for (let start = 0; start < requests.length; start += 25) batches.push(requests.slice(start, start + 25));
  await forEachConcurrently(batches, 8, async (batch) => {
    requests = batch;
    while (requests.length > 0) {
      const { UnprocessedItems } = await client.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
      );
      requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  });
}

async function runOnStack(
  host: StackHost,
  rooms: {
    readonly store: DynamoRoomStore;
    readonly directory: DynamoRoomDirectory;
    readonly client: DynamoDBDocumentClient;
  },
  url: string,
  size: number,
  options: FanOutOptions,
  /** One connection and one disconnection at a time, so their durations are not those of a crowd. */
  serial: boolean,
): Promise<StackRun> {
  const room = `fanout-${size}`;
  let phase = performance.now();
  const beforeConnect = await host.counters();
  let opened: OpenedClients;
  if (serial) {
    const clients: BenchClient[] = [];
    for (let index = 0; index < size; index++) {
      const client = await openClient(url, index);
      await client.welcome;
      await host.idle();
      clients.push(client);
    }
    opened = { clients, failures: 0, seconds: (performance.now() - phase) / 1000 };
  } else opened = await openClientsAtRate(url, size, options.connectPerSecond);
  const welcomes = await Promise.all(opened.clients.map((client) => client.welcome));
  await settledInvocations(host, beforeConnect, 'connectionEvents', 1);
  await host.idle();
  const afterConnect = await host.counters();
  phase = trace(`stack ${size}: connect and welcome`, phase);
  // The sender creates the room and joins it through the real route; the others are written as that
  // join writes them (membership and presence), without each arrival being announced to the room.
  const sender = opened.clients[0] as BenchClient;
  const joined = sender.nextFrame('joined');
  sender.socket.send(JSON.stringify({ action: 'joinRoom', room }));
  await joined;
  const epoch = (await rooms.directory.describe(room))?.epoch;
  if (!epoch) throw new Error(`room ${room} was not created by its sender's joinRoom`);
  await forEachConcurrently(welcomes.slice(1), 32, async (welcome) => {
    const membership = {
      room,
      connectionId: welcome.connectionId,
      userId: welcome.userId,
      username: welcome.username,
      joinedAt: Date.now(),
      tokenExpiresAt: Math.floor(Date.parse(welcome.tokenExpiresAt) / 1000),
    };
    await rooms.store.join(membership, { epoch, maxRoomsPerConnection: 0 });
    await rooms.store.addPresence(room, welcome, welcome.connectionId, Date.now(), 0);
  });
  await host.idle();
  phase = trace(`stack ${size}: memberships`, phase);
  const beforeMessages = await host.counters();
  let afterPaced = beforeMessages;
  // Per-message figures come from the paced messages alone: one invocation at a time, as on Lambda,
  // where concurrent invocations run in instances of their own and do not slow each other down.
  const result = await exchange(opened.clients, room, options, async () => {
    await host.idle();
    afterPaced = await host.counters();
  });
  await host.idle();
  const afterMessages = await host.counters();
  phase = trace(`stack ${size}: messages`, phase);
  if (!serial) {
    // Take the crowd out of the room first: otherwise each $disconnect tells everyone left (N² posts), a
    // cost of the test, not of one message. The room's per-disconnection cost is measured serially.
    await leaveAll(rooms.client, host.tableName, room, welcomes.slice(1));
    phase = trace(`stack ${size}: memberships removed`, phase);
  }
  let afterDisconnect = afterMessages;
  if (serial) {
    for (const client of opened.clients) {
      const before = await host.counters();
      await client.close();
      await settledInvocations(host, before, 'disconnect', 1);
      await host.idle();
    }
    afterDisconnect = await host.counters();
  } else {
    // The crowd's $disconnects run on in the stack; the next room waits for them (host.idle) before it
    // measures anything, and after the last room the host is abandoned rather than waited for.
    await closeAll(opened.clients);
  }
  trace(`stack ${size}: disconnect`, phase);
  return {
    exchange: result,
    perConnect: divided(countersBetween(beforeConnect, afterConnect), opened.clients.length),
    perMessage: divided(countersBetween(beforeMessages, afterPaced), options.paced),
    perDisconnect: divided(countersBetween(afterMessages, afterDisconnect), opened.clients.length),
    failures: opened.failures,
  };
}

async function runOnBare(url: string, size: number, options: FanOutOptions): Promise<Exchange> {
  const started = performance.now();
  const opened = await openClientsAtRate(url, size, options.connectPerSecond);
  try {
    return await exchange(opened.clients, `fanout-${size}`, options);
  } finally {
    await closeAll(opened.clients);
    trace(`bare ${size}`, started);
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
    figure(PER_OPERATION_SECTION, invocationsEntryName(label), sum(counters, 'invocations'), 'invocations', {
      note: breakdown(counters),
      byFunction: Object.fromEntries(
        Object.entries(counters)
          .filter(([, c]) => c.invocations > 0)
          .map(([name, c]) => [
            name,
            {
              invocations: c.invocations,
              meanDurationMs: c.durationMs / c.invocations,
              logBytes: c.logBytes,
            },
          ]),
      ),
    }),
    figure(PER_OPERATION_SECTION, `log bytes per ${label}`, sum(counters, 'logBytes'), 'bytes', {
      note: `${formatNumber(sum(counters, 'logLines'))} lines, handlers' own JSON lines only`,
    }),
    ...durations,
  ];
}

export async function measureFanOut(options: FanOutOptions): Promise<BenchEntry[]> {
  // The baseline first, for every size, so no stack work (a $disconnect tail) runs beside it.
  const bare = await startBareWsBroadcast();
  const baselines = new Map<number, Exchange>();
  try {
    for (const size of options.roomSizes) baselines.set(size, await runOnBare(bare.url, size, options));
  } finally {
    await bare.stop();
  }
  const host = await startStackHost();
  const raw = new DynamoDBClient({
    endpoint: host.dynamoEndpoint,
    region: host.region,
    credentials: localCredentials,
  });
  const documents = DynamoDBDocumentClient.from(raw);
  const rooms = {
    store: new DynamoRoomStore(documents, host.tableName, defaults.connectionTtlSeconds),
    directory: new DynamoRoomDirectory(documents, host.tableName),
    client: documents,
  };
  const entries: BenchEntry[] = [];
  const perOperation: BenchEntry[] = [];
  try {
    const url = `${host.webSocketUrl}?token=${encodeURIComponent(await login(host))}`;
    for (const size of options.roomSizes) {
      // The smallest room, if small, connects and leaves one client at a time: the per-operation figures.
      const serial = size === options.roomSizes[0] && size <= 100;
      const stack = await runOnStack(host, rooms, url, size, options, serial);
      const baseline = baselines.get(size) as Exchange;
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
        ...perOperationEntries(stackOperationLabels.message(size), stack.perMessage),
        figure(PER_OPERATION_SECTION, framesEntryName(size), stack.exchange.frames, 'frames'),
      );
      if (serial) {
        perOperation.push(
          ...perOperationEntries(stackOperationLabels.connection, stack.perConnect),
          ...perOperationEntries(stackOperationLabels.disconnection, stack.perDisconnect),
        );
      }
    }
    return [...entries, ...perOperation];
  } finally {
    raw.destroy();
    await host.abandon();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { formatTable } = await import('./table.ts');
  console.log(
    formatTable(await measureFanOut({ roomSizes: [10, 100], paced: 5, burst: 10, connectPerSecond: 200 })),
  );
}
