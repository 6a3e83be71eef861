/**
 * One local stack per data directory. DynamoDB Local keeps the table in one SQLite file and the
 * identity provider rewrites its files whole, so two stacks on one directory would silently overwrite
 * each other's work. The stack that starts first writes `<dataDir>/local-stack.lock` naming itself
 * (pid and start time, see process-identity.ts) and, once spawned, DynamoDB Local's Java process.
 *
 * A second stack finds the lock and:
 * - refuses to start while the stack named there still runs, saying which process it is;
 * - takes over when that stack is gone (killed, crashed): a child it recorded that still runs (an
 *   orphaned Java holding the files) is stopped first, then the lock is replaced.
 *
 * The lock file appears whole (written aside, then hard-linked into place: the link fails if a lock
 * exists), and a stale lock is removed only if it is still the one judged stale, so two stacks
 * starting together on one directory cannot both win.
 */
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataDirectoryLockedError } from './errors.ts';
import { type LocalLogger, silentLogger } from './logger.ts';
import { identify, isRunning, type ProcessIdentity, stopProcess } from './process-identity.ts';

export const lockFileName = 'local-stack.lock';

/** A process the lock names: the stack itself, or a child it started. */
export interface LockedProcess extends ProcessIdentity {
  /** What it is, for messages, e.g. `DynamoDB Local (Java)`. */
  readonly name: string;
}

/** The lock file's content. */
export interface LockRecord extends ProcessIdentity {
  /** ISO 8601, when the stack took the lock. */
  readonly startedAt: string;
  /** The command line of the stack, for the message a second stack prints. */
  readonly command: string;
  readonly children: readonly LockedProcess[];
}

export interface DataDirLock {
  readonly path: string;
  /** Names a child process in the lock, so a later stack can stop it if this stack dies without doing so. */
  recordChild(name: string, pid: number): void;
  /** Removes the lock, if this process still holds it. Idempotent. */
  release(): void;
}

export interface DataDirLockOptions {
  /** @default silent */
  readonly logger?: LocalLogger;
  /**
   * How long an orphaned child gets to exit after SIGTERM before SIGKILL.
   * @default 10000
   */
  readonly orphanStopTimeoutMs?: number;
}

export async function acquireDataDirLock(
  dataDir: string,
  options: DataDirLockOptions = {},
): Promise<DataDirLock> {
  const logger = options.logger ?? silentLogger;
  const directory = resolve(dataDir);
  mkdirSync(directory, { recursive: true });
  const path = join(directory, lockFileName);
  let record: LockRecord = {
    ...identify(process.pid),
    startedAt: new Date().toISOString(),
    command: process.argv.slice(1).join(' '),
    children: [],
  };

  for (let attempt = 0; attempt < 3; attempt++) {
    if (createExclusively(path, record)) {
      const owns = () => {
        const current = readLock(path);
        return current?.record?.pid === record.pid && current.record.startTime === record.startTime;
      };
      return {
        path,
        recordChild(name, pid) {
          if (!owns()) return;
          record = { ...record, children: [...record.children, { name, ...identify(pid) }] };
          replace(path, record);
        },
        release() {
          if (owns()) unlinkSync(path);
        },
      };
    }
    const found = readLock(path);
    if (!found) continue; // removed meanwhile: try again
    const holder = found.record;
    if (holder && isRunning(holder)) {
      throw new DataDirectoryLockedError(
        `--data-dir ${directory} is in use by another local stack: process ${holder.pid} (${holder.command}, started ${holder.startedAt}). Stop it first (Ctrl+C in its terminal, or kill -INT ${holder.pid}), or pass another --data-dir`,
      );
    }
    const owner = holder ? `process ${holder.pid}, started ${holder.startedAt}` : 'an unreadable lock';
    for (const child of holder?.children ?? []) {
      if (!isRunning(child)) continue;
      if (child.startTime === undefined) {
        // Without a start time, pid N may by now be any program: name it rather than kill it.
        throw new DataDirectoryLockedError(
          `--data-dir ${directory} was held by a stack that is gone (${owner}); its ${child.name} was pid ${child.pid}, and a process with that pid runs. If it is DynamoDB Local, stop it; then delete ${path}`,
        );
      }
      logger.warn(
        `${child.name}, pid ${child.pid}, still holds ${directory} after its stack (${owner}) died; stopping it`,
      );
      if (!(await stopProcess(child, options.orphanStopTimeoutMs ?? 10_000))) {
        throw new DataDirectoryLockedError(
          `${child.name}, pid ${child.pid}, left running on ${directory} by a stack that is gone, did not exit after SIGKILL; stop it and start again`,
        );
      }
    }
    if (removeIfUnchanged(path, found.raw)) {
      logger.info(`took over ${directory} from a local stack that is gone (${owner})`);
    }
  }
  throw new DataDirectoryLockedError(
    `could not lock --data-dir ${directory}: another local stack is starting in it at the same time`,
  );
}

/** Writes the lock aside and links it into place: atomic, and fails if a lock is already there. */
function createExclusively(path: string, record: LockRecord): boolean {
  const aside = `${path}.${process.pid}.new`;
  writeFileSync(aside, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 });
  try {
    linkSync(aside, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(aside);
  }
}

function replace(path: string, record: LockRecord): void {
  const aside = `${path}.${process.pid}.new`;
  writeFileSync(aside, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 });
  renameSync(aside, path);
}

/** The lock's text and, when it parses, its record; undefined when there is no lock file. */
function readLock(path: string): { readonly raw: string; readonly record?: LockRecord } | undefined {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const record = parseRecord(raw);
  return record ? { raw, record } : { raw };
}

function parseRecord(raw: string): LockRecord | undefined {
  try {
    const value = JSON.parse(raw) as Partial<LockRecord>;
    if (!Number.isSafeInteger(value.pid) || (value.pid ?? 0) <= 0) return undefined;
    const children = Array.isArray(value.children)
      ? value.children.filter((child) => Number.isSafeInteger(child?.pid) && child.pid > 0)
      : [];
    return {
      pid: value.pid as number,
      ...(typeof value.startTime === 'string' ? { startTime: value.startTime } : {}),
      startedAt: String(value.startedAt ?? 'at an unknown time'),
      command: String(value.command ?? 'unknown command'),
      children: children.map((child) => ({
        name: String(child.name ?? 'a child process'),
        pid: child.pid,
        ...(typeof child.startTime === 'string' ? { startTime: child.startTime } : {}),
      })),
    };
  } catch {
    return undefined;
  }
}

/**
 * Removes the stale lock only if it still holds `raw`: moved aside first (only one mover can win),
 * then compared; a lock that changed meanwhile belongs to a stack that just started, and is put back.
 */
function removeIfUnchanged(path: string, raw: string): boolean {
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  try {
    if (readFileSync(aside, 'utf8') === raw) return true;
    try {
      linkSync(aside, path);
    } catch {
      // Another stack locked the directory meanwhile; the next attempt finds and names it.
    }
    return false;
  } finally {
    unlinkSync(aside);
  }
}
