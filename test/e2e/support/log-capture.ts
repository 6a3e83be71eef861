/**
 * Captures everything this process prints while a scenario runs: the handlers' JSON lines
 * (console.log), the local stack's logger, and anything written straight to stdout or stderr.
 */
import { vi } from 'vitest';
import { createLocalLogger, type LocalLogger } from '../../../local/logger.ts';

export interface LogCapture {
  /** Every line printed so far, in order. */
  readonly lines: readonly string[];
  /** A local-stack logger whose lines land in `lines` (pass it to startLocalStack). */
  readonly logger: LocalLogger;
  /** The handlers' JSON lines printed since `from` (an index into `lines`). */
  jsonLinesSince(from: number): Record<string, unknown>[];
  restore(): void;
}

export function captureLogs(): LogCapture {
  const lines: string[] = [];
  const record = (...values: unknown[]) => {
    lines.push(values.map((value) => (typeof value === 'string' ? value : safeStringify(value))).join(' '));
  };
  const spies = [
    ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation(record),
    ),
    ...[process.stdout, process.stderr].map((stream) =>
      vi.spyOn(stream, 'write').mockImplementation((chunk: unknown) => {
        record(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
        return true;
      }),
    ),
  ];
  return {
    lines,
    logger: createLocalLogger('info', (line) => lines.push(line)),
    jsonLinesSince: (from) =>
      lines.slice(from).flatMap((line) => {
        try {
          const value = JSON.parse(line) as unknown;
          return typeof value === 'object' && value !== null ? [value as Record<string, unknown>] : [];
        } catch {
          return [];
        }
      }),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

function safeStringify(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack ?? ''}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
