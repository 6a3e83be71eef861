import type { Logger } from '../core/ports.ts';

/**
 * One JSON object per line, as CloudWatch Logs Insights expects. Callers pass named fields; nothing
 * here stringifies whole events, and `redactedFields` drops keys that could carry credentials even if a
 * caller passes them by mistake.
 */
const redactedFields = new Set([
  'token',
  'password',
  'refreshToken',
  'authorization',
  'cookie',
  'ticket',
  'body',
  'event',
]);

export function createJsonLogger(
  base: Record<string, unknown> = {},
  write: (line: string) => void = (line) => console.log(line),
): Logger {
  const emit = (level: string, message: string, fields?: Record<string, unknown>) => {
    const entry: Record<string, unknown> = { level, message, time: new Date().toISOString(), ...base };
    for (const [key, value] of Object.entries(fields ?? {})) {
      entry[key] = redactedFields.has(key) ? '[redacted]' : value;
    }
    write(JSON.stringify(entry));
  };
  return {
    info: (message, fields) => emit('INFO', message, fields),
    warn: (message, fields) => emit('WARN', message, fields),
    error: (message, fields) => emit('ERROR', message, fields),
  };
}
