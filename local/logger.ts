/**
 * The local stack's own log lines (not the handlers', which write JSON lines to stdout themselves).
 * Callers pass short facts — route keys, connection ids, status codes — never events, URLs with query
 * strings or headers, because those carry tokens.
 */
export interface LocalLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type LogLevel = 'info' | 'warn' | 'error' | 'silent';

const rank: Record<LogLevel, number> = { info: 0, warn: 1, error: 2, silent: 3 };

/**
 * Writes `[parley-local] message` lines to stderr at or above `level`.
 * @param level the lowest level written; `silent` writes nothing
 */
export function createLocalLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): LocalLogger {
  const emit = (at: LogLevel, message: string) => {
    if (rank[at] >= rank[level])
      write(`[parley-local] ${at === 'info' ? '' : `${at.toUpperCase()} `}${message}`);
  };
  return {
    info: (message) => emit('info', message),
    warn: (message) => emit('warn', message),
    error: (message) => emit('error', message),
  };
}

export const silentLogger: LocalLogger = createLocalLogger('silent');

/** Name and message of a failure, never attached request data (lambdas/core/failure.ts). */
export { formatFailure as describeError } from '../lambdas/core/failure.ts';
