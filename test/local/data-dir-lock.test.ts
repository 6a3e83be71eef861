import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, type LockRecord, lockFileName } from '../../local/data-dir-lock.ts';
import { DataDirectoryLockedError } from '../../local/errors.ts';
import { identify, isRunning, type ProcessIdentity } from '../../local/process-identity.ts';

/** A real process that runs until killed, standing in for another stack or its Java. */
function idleProcess(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
}

/** The identity of a process that has exited. */
async function exitedProcess(): Promise<ProcessIdentity> {
  const child = spawn(process.execPath, ['-e', 'process.stdin.resume()'], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  await once(child, 'spawn');
  const identity = identify(child.pid as number);
  child.stdin?.end();
  await once(child, 'exit');
  return identity;
}

const lockRecord = (owner: ProcessIdentity, children: LockRecord['children'] = []): LockRecord => ({
  ...owner,
  startedAt: '2026-01-01T00:00:00.000Z',
  command: 'local/start.ts --data-dir .parley',
  children,
});

describe('data directory lock', () => {
  let dataDir: string;
  const running: ChildProcess[] = [];

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-lock-'));
  });
  afterEach(() => {
    for (const child of running.splice(0)) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const lockPath = () => join(dataDir, lockFileName);
  const writeLock = (record: LockRecord) => writeFileSync(lockPath(), JSON.stringify(record));
  const readLock = () => JSON.parse(readFileSync(lockPath(), 'utf8')) as LockRecord;
  const start = async () => {
    const child = idleProcess();
    running.push(child);
    await once(child, 'spawn');
    return child;
  };

  it('locks a directory in the name of this process, records a child, and releases it', async () => {
    // Prepare
    const java = await start();

    // Act
    const lock = await acquireDataDirLock(dataDir);
    lock.recordChild('DynamoDB Local (Java)', java.pid as number);
    const held = readLock();
    lock.release();

    // Assess
    expect(held).toMatchObject({
      ...identify(process.pid),
      children: [{ name: 'DynamoDB Local (Java)', ...identify(java.pid as number) }],
    });
    expect(existsSync(lockPath())).toBe(false);
    (await acquireDataDirLock(dataDir)).release(); // free again
  });

  it('refuses a directory a running stack holds, naming its process, and leaves its lock alone', async () => {
    // Prepare
    const other = await start();
    writeLock(lockRecord(identify(other.pid as number)));
    const before = readFileSync(lockPath(), 'utf8');

    // Act
    const attempt = acquireDataDirLock(dataDir);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(DataDirectoryLockedError);
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `is in use by another local stack: process ${other.pid} \\(local/start.ts --data-dir .parley`,
      ),
    );
    expect(readFileSync(lockPath(), 'utf8')).toBe(before);
    expect(isRunning(identify(other.pid as number))).toBe(true);
  });

  it('takes over the lock of a stack that has exited', async () => {
    // Prepare
    writeLock(lockRecord(await exitedProcess()));

    // Act
    const lock = await acquireDataDirLock(dataDir);

    // Assess
    expect(readLock()).toMatchObject({ ...identify(process.pid), children: [] });
    lock.release();
  });

  it('takes a running process with the pid but not the start time of the lock as a stack that has exited', async () => {
    // Prepare: the stack's pid now belongs to an unrelated program
    const unrelated = await start();
    writeLock(
      lockRecord({ pid: unrelated.pid as number, startTime: 'the start time of a process long gone' }),
    );

    // Act
    const lock = await acquireDataDirLock(dataDir);

    // Assess
    expect(readLock().pid).toBe(process.pid);
    expect(isRunning(identify(unrelated.pid as number))).toBe(true);
    lock.release();
  });

  it('stops a child that a stack which has exited left running on the directory, then takes over', async () => {
    // Prepare: the stack died; its Java did not
    const orphan = await start();
    const orphanIdentity = identify(orphan.pid as number);
    writeLock(lockRecord(await exitedProcess(), [{ name: 'DynamoDB Local (Java)', ...orphanIdentity }]));
    const orphanExit = once(orphan, 'exit');

    // Act
    const lock = await acquireDataDirLock(dataDir);

    // Assess
    expect(await orphanExit).toEqual([null, 'SIGTERM']);
    expect(isRunning(orphanIdentity)).toBe(false);
    expect(readLock()).toMatchObject({ pid: process.pid, children: [] });
    lock.release();
  });

  it('leaves alone a process that has since been given the pid of the dead stack’s child', async () => {
    // Prepare
    const unrelated = await start();
    writeLock(
      lockRecord(await exitedProcess(), [
        { name: 'DynamoDB Local (Java)', pid: unrelated.pid as number, startTime: 'long ago' },
      ]),
    );

    // Act
    const lock = await acquireDataDirLock(dataDir);

    // Assess
    expect(isRunning(identify(unrelated.pid as number))).toBe(true);
    expect(readLock().pid).toBe(process.pid);
    lock.release();
  });

  it('does not remove a lock that another stack took meanwhile', async () => {
    // Prepare
    const lock = await acquireDataDirLock(dataDir);
    const other = await start();
    writeLock(lockRecord(identify(other.pid as number)));

    // Act
    lock.release();
    lock.recordChild('DynamoDB Local (Java)', process.pid);

    // Assess
    expect(readLock()).toMatchObject({ pid: other.pid, children: [] });
  });
});
