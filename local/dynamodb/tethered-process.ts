/**
 * Spawns a program that cannot outlive this process, and that a terminal's Ctrl+C does not reach.
 *
 * - **Own process group** (`detached`, a new session): Ctrl+C signals the terminal's foreground process
 *   group, and the stack needs DynamoDB Local alive until every connection's `$disconnect` has run. The
 *   stack stops it itself, last.
 * - **Tethered by a pipe**: the program runs under a small `sh` watchdog that reads the child's stdin,
 *   a pipe whose only writer is this process. When this process dies — `stop()`, `process.exit`, a crash,
 *   even SIGKILL — the kernel closes the pipe, the watchdog reads end-of-file and sends SIGTERM to the
 *   group, then SIGKILL after `graceSeconds`. A JVM never notices on its own that its parent died.
 *
 * The shell `exec`s the program, so the child's pid is the program's own and its process group is
 * the program plus the watchdog; the watchdog exits as soon as the program is gone. The pid stays
 * reserved as the group's id while the watchdog lives, so its `kill "$$"` can never hit a reused pid.
 */
import { type ChildProcess, spawn } from 'node:child_process';

/**
 * `$1` is the grace in seconds, the rest is the command. The watchdog keeps the pipe on fd 3 (a
 * background list's stdin is /dev/null), ignores the signals it sends its own group, and the program
 * gets neither the pipe nor a terminal.
 */
const watchdogScript = `grace=$1
shift
exec 3<&0 </dev/null
{
  trap '' INT TERM HUP
  while read -r _; do :; done
  kill -TERM 0 2>/dev/null
  waited=0
  while kill -0 "$$" 2>/dev/null && [ "$waited" -lt "$grace" ]; do
    sleep 1
    waited=$((waited + 1))
  done
  kill -KILL "$$" 2>/dev/null
} <&3 &
exec "$@" 3<&-
`;

export interface TetheredSpawnOptions {
  readonly cwd?: string;
  /**
   * Seconds the program gets to exit after SIGTERM once this process is gone.
   * @default 10
   */
  readonly graceSeconds?: number;
}

/**
 * Starts `command` in its own process group, tethered to this process. `child.pid` is the program's
 * pid and its process group id; stdout and stderr are pipes; closing `child.stdin` asks it to stop as
 * this process's death would.
 */
export function spawnTethered(
  command: string,
  args: readonly string[],
  options: TetheredSpawnOptions = {},
): ChildProcess {
  return spawn(
    '/bin/sh',
    ['-c', watchdogScript, 'parley-tether', String(options.graceSeconds ?? 10), command, ...args],
    {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
}
