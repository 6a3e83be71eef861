/** Starts bench/stack-host.ts in a child process and talks to it (see there). */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Counters, FunctionCounters, HostMessage, HostRequest, MemoryReading } from './stack-host.ts';

export type { Counters, FunctionCounters, MemoryReading } from './stack-host.ts';

export interface StackHost {
  readonly webSocketUrl: string;
  readonly httpUrl: string;
  readonly dynamoEndpoint: string;
  readonly tableName: string;
  readonly region: string;
  readonly pid: number;
  counters(): Promise<Counters>;
  /** Resolves once no function invocation is running. */
  idle(): Promise<void>;
  memory(gc: boolean): Promise<MemoryReading>;
  stop(): Promise<void>;
  /** Ends the host at once, leaving connections and running invocations behind (the table is discarded). */
  abandon(): Promise<void>;
}

type Request =
  | { type: 'counters' }
  | { type: 'idle' }
  | { type: 'memory'; gc: boolean }
  | { type: 'stop' }
  | { type: 'abandon' };

export async function startStackHost(): Promise<StackHost> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./stack-host.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx', '--expose-gc', '--no-warnings'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (data: unknown) => void>();
  let nextId = 0;
  let ready: Extract<HostMessage, { type: 'ready' }> | undefined;
  const readiness = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`the stack host exited with code ${code} before it was ready`)),
    );
    child.on('message', (message: HostMessage) => {
      if (message.type === 'ready') {
        ready = message;
        resolve();
      } else pending.get(message.id)?.(message.data);
    });
  });
  await readiness;
  const ask = <T>(request: Request): Promise<T> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, (data) => {
        pending.delete(id);
        resolve(data as T);
      });
      child.send({ ...request, id } as HostRequest);
    });
  const info = ready as Extract<HostMessage, { type: 'ready' }>;
  return {
    webSocketUrl: info.webSocketUrl,
    httpUrl: info.httpUrl,
    dynamoEndpoint: info.dynamoEndpoint,
    tableName: info.tableName,
    region: info.region,
    pid: child.pid ?? 0,
    counters: () => ask<Counters>({ type: 'counters' }),
    idle: () => ask<void>({ type: 'idle' }),
    memory: (gc) => ask<MemoryReading>({ type: 'memory', gc }),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      await ask({ type: 'stop' });
      await exited;
    },
    async abandon() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.send({ type: 'abandon', id: nextId++ } satisfies HostRequest);
      await exited;
    },
  };
}

/** What each function did between two snapshots. */
export function countersBetween(before: Counters, after: Counters): Counters {
  const zero: FunctionCounters = { invocations: 0, durationMs: 0, logLines: 0, logBytes: 0 };
  return Object.fromEntries(
    Object.entries(after)
      .map(([name, now]): [string, FunctionCounters] => {
        const then = before[name] ?? zero;
        return [
          name,
          {
            invocations: now.invocations - then.invocations,
            durationMs: now.durationMs - then.durationMs,
            logLines: now.logLines - then.logLines,
            logBytes: now.logBytes - then.logBytes,
          },
        ];
      })
      .filter(([, delta]) => delta.invocations > 0 || delta.logLines > 0),
  );
}

/**
 * Waits until `fn` was invoked `count` more times than in `before` (work the stack does after the
 * client has moved on: welcomes from the stream, `$disconnect` after a close), or `timeoutMs` passed.
 */
export async function settledInvocations(
  host: StackHost,
  before: Counters,
  fn: string,
  count: number,
  timeoutMs = 30_000,
): Promise<Counters> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await host.counters();
    const done = (now[fn]?.invocations ?? 0) - (before[fn]?.invocations ?? 0) >= count;
    if (done || Date.now() > deadline) return now;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
