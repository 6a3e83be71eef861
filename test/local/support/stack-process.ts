/**
 * `npm start` (or the script it runs) as a real child process, the way a developer runs it: its own
 * process group, as a terminal's foreground job has, so a test can signal the whole group as Ctrl+C
 * does; stdout and stderr piped to the test, as `npm start | tee log` pipes them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { identify, type ProcessIdentity } from '../../../local/process-identity.ts';

export interface ReadyStack {
  readonly httpUrl: string;
  readonly webSocketUrl: string;
  /** The stack's own process (under `npm start`, npm's child). */
  readonly server: ProcessIdentity;
  readonly dynamoEndpoint: string;
  readonly java: ProcessIdentity;
}

export interface StackProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  /** Resolves with the first match of `pattern` in the stream, now or later; rejects at exit or after `timeoutMs`. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves once the banner is out. */
  ready(timeoutMs?: number): Promise<ReadyStack>;
  /** Closes the test's end of stdout and stderr, as when `tee` dies: later writes get EPIPE. */
  closeOutput(): void;
  /** SIGKILLs the whole process group if anything of it still runs. For cleanup. */
  killGroup(): void;
}

/** A cold JVM on two busy cores, after npm: generous. */
export const stackStartTimeoutMs = 120_000;

/**
 * Only what the stack needs from the environment: vitest's worker has the unit tests' handler
 * variables (TABLE_NAME, AUTH_MODE, …), which a developer's shell would not.
 */
function cleanEnvironment(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'JAVA_HOME', 'npm_config_cache'];
  return Object.fromEntries(keep.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
}

export function spawnStack(how: 'npm' | 'node', args: readonly string[]): StackProcess {
  const [command, commandArgs] =
    how === 'npm'
      ? ['npm', ['start', '--', ...args]]
      : [process.execPath, ['--import', 'tsx', 'local/start.ts', ...args]];
  const child = spawn(command, commandArgs, {
    cwd: process.cwd(),
    env: cleanEnvironment(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  const wake = new Set<() => void>();
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]?.setEncoding('utf8');
    child[stream]?.on('data', (chunk: string) => {
      output[stream] += chunk;
      for (const waiter of [...wake]) waiter();
    });
  }
  let hasExited = false;
  const exited = once(child, 'exit').then(([code, signal]) => {
    hasExited = true;
    for (const waiter of [...wake]) waiter();
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });

  const waitFor: StackProcess['waitFor'] = (stream, pattern, timeoutMs = stackStartTimeoutMs) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output[stream]);
        if (match) {
          done();
          resolve(match);
        } else if (hasExited) {
          done();
          reject(new Error(`the stack exited before ${stream} matched ${pattern}:\n${output.stderr}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${stream} did not match ${pattern} within ${timeoutMs} ms:\n${output[stream]}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        wake.delete(check);
      };
      wake.add(check);
      check();
    });

  return {
    child,
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    exited,
    waitFor,
    async ready(timeoutMs = stackStartTimeoutMs) {
      const [, httpUrl = '', webSocketUrl = ''] = await waitFor(
        'stdout',
        /HTTP API: (\S+)\nWebSocket: (\S+)\n/,
        timeoutMs,
      );
      const [, serverPid] = await waitFor('stdout', /kill -INT (\d+)\)/, timeoutMs);
      const [, dynamoEndpoint = '', javaPid] = await waitFor(
        'stderr',
        /DynamoDB Local on (\S+) .*, pid (\d+)\n/,
        timeoutMs,
      );
      return {
        httpUrl,
        webSocketUrl,
        server: identify(Number(serverPid)),
        dynamoEndpoint,
        java: identify(Number(javaPid)),
      };
    },
    closeOutput() {
      child.stdout?.destroy();
      child.stderr?.destroy();
    },
    killGroup() {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Nothing of it runs any more.
      }
    },
  };
}

/** Pids of the live (not zombie) processes in a process group; Linux, from /proc. */
export function liveProcessesInGroup(groupId: number): number[] {
  if (!existsSync('/proc/self/stat')) throw new Error('liveProcessesInGroup reads /proc (Linux only)');
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return fields[0] !== 'Z' && Number(fields[2]) === groupId; // state, ppid, pgrp
      } catch {
        return false; // exited while being read
      }
    })
    .map(Number);
}

/** The parent pid and command line of a live process; Linux, from /proc. */
export function processInfo(pid: number): { readonly parentPid: number; readonly commandLine: string } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  return { parentPid: Number(fields[1]), commandLine };
}
