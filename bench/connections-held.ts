/**
 * Figure 5: how many authenticated connections the local stack holds, how long their handshakes take,
 * and the memory they cost. Clients open at a controlled rate with real handshakes (RS256 token through
 * the authorizer, `$connect`, the welcome from the table stream), stay open for a while, then all
 * close. The stack runs in its own process (bench/stack-host.ts, with `--expose-gc`), so its resident
 * memory is measured alone: before, with every connection open, after they closed, and after a GC.
 * DynamoDB Local's JVM is a separate process and not included.
 */
import { execFileSync } from 'node:child_process';
import { type BenchEntry, figure } from './entry.ts';
import { type StackHost, settledInvocations, startStackHost } from './stack-host-client.ts';
import { percentile } from './stats.ts';
import { formatNumber } from './table.ts';
import { closeAll, openClientsAtRate } from './ws-clients.ts';

export const SECTION = '5. Connections the local stack holds (one process, 2 shared cores)';

export interface ConnectionsHeldOptions {
  /** Connections to attempt; capped by the open-files limit (see `openFilesLimit`). */
  readonly connections: number;
  readonly perSecond: number;
  readonly holdSeconds: number;
}

/** The hard limit on open files per process: every connection is a file descriptor on each side. */
export function openFilesLimit(): number {
  try {
    return (
      Number(execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim()) ||
      Number.POSITIVE_INFINITY
    );
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

const MB = 1024 * 1024;

async function login(host: StackHost): Promise<string> {
  const response = await fetch(`${host.httpUrl}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bob', password: 'password2' }),
  });
  return ((await response.json()) as { token: string }).token;
}

export async function measureConnectionsHeld(options: ConnectionsHeldOptions): Promise<BenchEntry[]> {
  const limit = openFilesLimit();
  // Leave room for the processes' other files (DynamoDB Local's socket pool, modules, pipes).
  const attempted = Math.min(options.connections, limit - 1000);
  const capped =
    attempted < options.connections
      ? `; ${options.connections.toLocaleString('en-US')} asked, capped by the open-files limit (${limit.toLocaleString('en-US')} per process)`
      : '';
  const host = await startStackHost();
  try {
    const url = `${host.webSocketUrl}?token=${encodeURIComponent(await login(host))}`;
    const before = await host.memory(true);
    const counters = await host.counters();
    const opened = await openClientsAtRate(url, attempted, options.perSecond);
    const welcomes = await Promise.all(
      opened.clients.map((client) =>
        Promise.race([
          client.welcome.then((w) => w.ms),
          new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 60_000).unref()),
        ]),
      ),
    );
    const held = await host.memory(true);
    await new Promise((resolve) => setTimeout(resolve, options.holdSeconds * 1000));
    const stillOpen = opened.clients.filter(
      (client) => client.socket.readyState === client.socket.OPEN,
    ).length;
    const dropped = opened.clients.length - stillOpen;
    await closeAll(opened.clients);
    // $disconnect runs for every connection after its socket closed; memory is read once they are done.
    const afterClose = await settledInvocations(host, counters, 'disconnect', opened.clients.length, 900_000);
    const unfinished =
      opened.clients.length -
      ((afterClose.disconnect?.invocations ?? 0) - (counters.disconnect?.invocations ?? 0));
    const closed = await host.memory(false);
    const collected = await host.memory(true);

    const opens = opened.clients.map((client) => client.openMs);
    const welcomed = welcomes.filter((ms): ms is number => ms !== undefined);
    const section = SECTION;
    const count = opened.clients.length;
    return [
      figure(section, `connections held ${options.holdSeconds} s`, stillOpen, 'connections', {
        deliveries: { lost: attempted - stillOpen, duplicated: 0, outOfOrder: 0 },
        note: `${attempted.toLocaleString('en-US')} attempted at ${options.perSecond}/s in ${formatNumber(opened.seconds)} s; ${opened.failures} handshakes failed${opened.firstFailure ? ` (${opened.firstFailure})` : ''}, ${dropped} dropped while held, ${count - welcomed.length} never welcomed${capped}`,
      }),
      figure(section, 'handshake → open, p50', percentile(opens, 50), 'ms'),
      figure(section, 'handshake → open, p99', percentile(opens, 99), 'ms'),
      figure(section, 'handshake → welcome, p50', percentile(welcomed, 50), 'ms', {
        note: 'the welcome comes from the table stream, polled every 100 ms',
      }),
      figure(section, 'handshake → welcome, p99', percentile(welcomed, 99), 'ms'),
      figure(
        section,
        'stack memory per open connection',
        (held.rssBytes - before.rssBytes) / Math.max(1, count) / 1024,
        'KB RSS',
        {
          note: `heap ${formatNumber((held.heapUsedBytes - before.heapUsedBytes) / Math.max(1, count) / 1024)} KB per connection`,
        },
      ),
      figure(section, 'stack RSS before connecting (after GC)', before.rssBytes / MB, 'MB'),
      figure(
        section,
        `stack RSS with ${count.toLocaleString('en-US')} open (after GC)`,
        held.rssBytes / MB,
        'MB',
      ),
      figure(section, 'stack RSS after all closed', closed.rssBytes / MB, 'MB', {
        ...(unfinished > 0
          ? { note: `${unfinished} $disconnect invocations still unfinished after 15 minutes` }
          : {}),
      }),
      figure(section, 'stack RSS after all closed and a GC', collected.rssBytes / MB, 'MB', {
        note: `heap ${formatNumber(collected.heapUsedBytes / MB)} MB (${formatNumber(before.heapUsedBytes / MB)} MB before connecting)`,
      }),
    ];
  } finally {
    // Everything was measured; whatever is still running is not waited for.
    await host.abandon();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { formatTable } = await import('./table.ts');
  console.log(
    formatTable(await measureConnectionsHeld({ connections: 1000, perSecond: 250, holdSeconds: 10 })),
  );
}
