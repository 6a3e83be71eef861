/**
 * Other processes, named safely. A bare pid is not enough: a pid is reused once its process is gone,
 * so a lock file naming a dead stack could otherwise point at an unrelated program. A process is
 * identified by its pid and its start time, which never changes for the life of a process (exec keeps
 * it) and differs for any later process given the same pid; it is only ever signalled while both match.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface ProcessIdentity {
  readonly pid: number;
  /** Opaque; compare for equality only. Absent when the platform could not tell. */
  readonly startTime?: string;
}

/**
 * The start time of a live process, or undefined when no such process runs (a zombie counts as
 * gone: it holds no files and no ports). Linux reads `/proc`; elsewhere `ps -o lstart=`.
 */
export function processStartTime(pid: number): string | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  return existsSync('/proc/self/stat') ? linuxStartTime(pid) : psStartTime(pid);
}

/** The identity of a live process, to record now and check later with {@link isRunning}. */
export function identify(pid: number): ProcessIdentity {
  const startTime = processStartTime(pid);
  return startTime === undefined ? { pid } : { pid, startTime };
}

/** True while the recorded process itself is still running (not merely some process with its pid). */
export function isRunning(recorded: ProcessIdentity): boolean {
  const startTime = processStartTime(recorded.pid);
  if (startTime === undefined) return false;
  return recorded.startTime === undefined || recorded.startTime === startTime;
}

/**
 * SIGTERM, then SIGKILL if it has not exited within `timeoutMs`; resolves true once it is gone, false
 * if it outlived SIGKILL by 5 s. Never signals a process that merely has the same pid.
 */
export async function stopProcess(target: ProcessIdentity, timeoutMs: number): Promise<boolean> {
  const signal = (name: NodeJS.Signals) => {
    try {
      if (isRunning(target)) process.kill(target.pid, name);
    } catch {
      // Exited meanwhile.
    }
  };
  signal('SIGTERM');
  if (await exited(target, timeoutMs)) return true;
  signal('SIGKILL');
  return exited(target, 5_000);
}

async function exited(target: ProcessIdentity, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(target)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 50));
  }
  return true;
}

/**
 * Running processes whose command line contains `words` as consecutive arguments, e.g.
 * `['-dbPath', '/abs/dir']`, besides this process. Linux reads `/proc/<pid>/cmdline` (exact
 * arguments); elsewhere `ps` (arguments joined by spaces, so a path with spaces may be missed).
 */
export function processesWithArguments(words: readonly string[]): ProcessIdentity[] {
  const matches = (args: readonly string[]) =>
    args.some((_, start) => words.every((word, offset) => args[start + offset] === word));
  const pids: number[] = [];
  if (existsSync('/proc/self/cmdline')) {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
      try {
        if (matches(readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0'))) pids.push(Number(name));
      } catch {
        // Exited while being read, or not ours to read.
      }
    }
  } else {
    const listing = execFileSync('ps', ['-axo', 'pid=,command='], { encoding: 'utf8' });
    for (const line of listing.split('\n')) {
      const [pid, ...args] = line.trim().split(/\s+/);
      if (pid && Number(pid) !== process.pid && matches(args)) pids.push(Number(pid));
    }
  }
  return pids.map(identify).filter(isRunning);
}

let bootId: string | undefined;

function linuxStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name, which is in parentheses and may itself contain spaces or ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  const ticksSinceBoot = fields[19]; // field 22 of proc_pid_stat(5), "starttime"
  if (ticksSinceBoot === undefined) return undefined;
  // Ticks count from boot, so two boots can repeat a pid and a start time; the boot id tells them apart.
  bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return `${bootId}:${ticksSinceBoot}`;
}

function psStartTime(pid: number): string | undefined {
  try {
    const output = execFileSync('ps', ['-o', 'stat=,lstart=', '-p', String(pid)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (output === '' || output.startsWith('Z')) return undefined;
    return output.replace(/^\S+\s+/, '');
  } catch {
    return undefined; // ps exits 1 when the pid is unknown
  }
}
