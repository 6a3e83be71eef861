import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import {
  identify,
  isRunning,
  processesWithArguments,
  processStartTime,
  stopProcess,
} from '../../local/process-identity.ts';

describe('process identity', () => {
  const running: ChildProcess[] = [];
  afterEach(() => {
    for (const child of running.splice(0)) child.kill('SIGKILL');
  });

  /**
   * A node process that runs until killed, with `args` on its command line; `onTerm` replaces
   * SIGTERM's default. Resolves once its script runs (its SIGTERM handler is in place).
   */
  const start = async (args: readonly string[] = [], onTerm = '') => {
    const script = `${onTerm ? `process.on('SIGTERM', () => { ${onTerm} });` : ''} console.log('ready'); setInterval(() => {}, 1000)`;
    const child = spawn(process.execPath, ['-e', script, '--', ...args], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    running.push(child);
    await once(child.stdout as NodeJS.ReadableStream, 'data');
    return child;
  };

  it('tells a running process from a later one given the same pid', async () => {
    // Prepare
    const child = await start();
    const identity = identify(child.pid as number);

    // Act
    const now = isRunning(identity);
    const impostor = isRunning({ pid: identity.pid, startTime: `${identity.startTime}-earlier` });
    child.kill('SIGKILL');
    await once(child, 'exit');

    // Assess
    expect(identity.startTime).toEqual(expect.any(String));
    expect(now).toBe(true);
    expect(impostor).toBe(false);
    expect(isRunning(identity)).toBe(false);
    expect(processStartTime(child.pid as number)).toBeUndefined();
  });

  it('finds processes by consecutive arguments only', async () => {
    // Prepare
    const target = await start(['-dbPath', '/tmp/parley-a/dynamodb', '-port', '1']);
    const other = await start(['-dbPath', '/tmp/parley-b/dynamodb', '/tmp/parley-a/dynamodb']);

    // Act
    const found = processesWithArguments(['-dbPath', '/tmp/parley-a/dynamodb']).map((match) => match.pid);

    // Assess
    expect(found).toEqual([target.pid]);
    expect(found).not.toContain(other.pid);
  });

  it('stops a process with SIGTERM', async () => {
    // Prepare
    const child = await start();
    const exit = once(child, 'exit');

    // Act
    const stopped = await stopProcess(identify(child.pid as number), 10_000);

    // Assess
    expect(stopped).toBe(true);
    expect(await exit).toEqual([null, 'SIGTERM']);
  });

  it('kills a process that ignores SIGTERM once the grace is over', async () => {
    // Prepare
    const child = await start([], '/* ignored */');
    const exit = once(child, 'exit');

    // Act
    const stopped = await stopProcess(identify(child.pid as number), 200);

    // Assess
    expect(stopped).toBe(true);
    expect(await exit).toEqual([null, 'SIGKILL']);
  });

  it('does not signal a process that only has the recorded pid', async () => {
    // Prepare
    const child = await start();

    // Act
    const stopped = await stopProcess({ pid: child.pid as number, startTime: 'long ago' }, 10_000);

    // Assess
    expect(stopped).toBe(true); // the recorded process is gone
    expect(isRunning(identify(child.pid as number))).toBe(true);
  });
});
