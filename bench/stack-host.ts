/**
 * The local stack in a process of its own, for the benchmarks: its memory is then its own (figure 5),
 * its sockets do not share a file-descriptor limit with the benchmark's clients, and every function
 * invocation is counted, timed and has its log output attributed to it (figure 3), through a wrapper
 * around the catalogue's handlers (the very files the CDK stack deploys).
 *
 * Started by `startStackHost()` (bench/stack-host-client.ts) with `node --import tsx --expose-gc`; speaks
 * over the IPC channel: it sends `ready`, and answers `counters`, `idle`, `memory`, `stop` and `abandon`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { format } from 'node:util';
import type { FunctionName } from '../lambdas/functions.ts';
import { loadCatalogueHandler } from '../local/lambda/load-functions.ts';
import { startLocalStack } from '../local/local-stack.ts';
import { silentLogger } from '../local/logger.ts';

export interface FunctionCounters {
  invocations: number;
  durationMs: number;
  logLines: number;
  logBytes: number;
}

export type Counters = Record<string, FunctionCounters>;

export interface MemoryReading {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

export type HostRequest =
  | { readonly type: 'counters'; readonly id: number }
  | { readonly type: 'memory'; readonly id: number; readonly gc: boolean }
  | { readonly type: 'idle'; readonly id: number }
  | { readonly type: 'stop'; readonly id: number }
  | { readonly type: 'abandon'; readonly id: number };

export type HostMessage =
  | {
      readonly type: 'ready';
      readonly webSocketUrl: string;
      readonly httpUrl: string;
      readonly dynamoEndpoint: string;
      readonly tableName: string;
      readonly region: string;
    }
  | { readonly type: 'reply'; readonly id: number; readonly data: unknown };

const invocation = new AsyncLocalStorage<FunctionName>();
let inFlight = 0;
const counters: Counters = {};
const countersOf = (name: string): FunctionCounters =>
  (counters[name] ??= { invocations: 0, durationMs: 0, logLines: 0, logBytes: 0 });

// Handlers write one JSON line per log call to stdout, as Lambda ships it to CloudWatch: count it
// against the function whose invocation wrote it, and print nothing.
console.log = (...args: unknown[]) => {
  const entry = countersOf(invocation.getStore() ?? 'outside an invocation');
  entry.logLines++;
  entry.logBytes += Buffer.byteLength(format(...args)) + 1;
};

const send = (message: HostMessage) => process.send?.(message);

const stack = await startLocalStack({
  port: 0,
  logger: silentLogger,
  policies: { maxConnectionsPerUser: 0, rateLimit: { perSecond: 0 } },
  // The sweeper's own cost is measured by the capacity figures; here it would only add noise.
  scheduleIntervalSeconds: { sweeper: 3600 },
  loadHandler: async (name) => {
    const handler = await loadCatalogueHandler(name);
    return async (event, context) => {
      const started = performance.now();
      inFlight++;
      try {
        return await invocation.run(name, () => handler(event, context));
      } finally {
        inFlight--;
        const entry = countersOf(name);
        entry.invocations++;
        entry.durationMs += performance.now() - started;
      }
    };
  },
});

const memory = (): MemoryReading => {
  const usage = process.memoryUsage();
  return { rssBytes: usage.rss, heapUsedBytes: usage.heapUsed };
};

process.on('message', async (request: HostRequest) => {
  switch (request.type) {
    case 'counters':
      send({ type: 'reply', id: request.id, data: structuredClone(counters) });
      return;
    case 'idle': {
      // Work a client does not wait for (a broadcast's tail, a $disconnect) finishes before a snapshot.
      while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      send({ type: 'reply', id: request.id, data: null });
      return;
    }
    case 'memory': {
      if (request.gc) {
        const gc = (globalThis as { gc?: () => void }).gc;
        // Several passes: weak references and finalizers free more on the second.
        for (let pass = 0; pass < 3 && gc; pass++) {
          gc();
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      send({ type: 'reply', id: request.id, data: memory() });
      return;
    }
    case 'abandon':
      // Exits without closing connections or waiting for running invocations (a $disconnect tail of
      // thousands): DynamoDB Local is killed by its exit hook, the table is in memory and thrown away.
      send({ type: 'reply', id: request.id, data: null });
      process.exit(0);
      return;
    case 'stop':
      await stack.stop();
      send({ type: 'reply', id: request.id, data: null });
      process.disconnect();
      return;
  }
});

send({
  type: 'ready',
  webSocketUrl: stack.webSocketUrl,
  httpUrl: stack.httpUrl,
  dynamoEndpoint: stack.dynamoEndpoint,
  tableName: stack.tableName,
  region: stack.region,
});
