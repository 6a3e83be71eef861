/**
 * `npm start` options. Each option is one entry in `cliOptions`: its flag, help text and how it
 * changes the stack's options, so adding `--token-ttl` or `--rate-limit` is one more entry.
 */
import { parseArgs } from 'node:util';
import { fail, ok, type Result } from '../lambdas/core/result.ts';
import type { LocalStackOptions } from './local-stack.ts';

export const defaultPort = 8787;

/** Mutable while options are applied; handed to startLocalStack as LocalStackOptions. */
export type StartOptions = { -readonly [K in keyof LocalStackOptions]: LocalStackOptions[K] } & {
  port: number;
};

interface CliOption {
  readonly name: string;
  /** Shown in the usage text, e.g. `N`; absent for boolean flags. */
  readonly value?: string;
  readonly description: string;
  /** Applies the value; returns a problem message for a bad one. */
  readonly apply: (value: string, options: StartOptions) => string | undefined;
}

export const cliOptions: readonly CliOption[] = [
  {
    name: 'port',
    value: 'N',
    description: `port for the HTTP API, the WebSocket API and @connections (default ${defaultPort}; 0 picks a free port)`,
    apply: (value, options) => {
      const port = integerIn(value, 0, 65_535);
      if (port === undefined) return `--port must be an integer from 0 to 65535, got "${value}"`;
      options.port = port;
      return undefined;
    },
  },
  {
    name: 'data-dir',
    value: 'DIR',
    description: 'keep the table, signing key and refresh tokens in DIR across restarts (default: in memory)',
    apply: (value, options) => {
      if (value.trim() === '') return '--data-dir must not be empty';
      options.dataDir = value;
      return undefined;
    },
  },
];

export type CliCommand =
  | { readonly kind: 'start'; readonly options: StartOptions }
  | { readonly kind: 'help' };

export function parseCliArguments(args: readonly string[]): Result<CliCommand, string> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(
          cliOptions.map((option) => [option.name, { type: option.value ? 'string' : 'boolean' } as const]),
        ),
      },
    });
  } catch (error) {
    return fail((error as Error).message);
  }
  if (parsed.values.help) return ok({ kind: 'help' });
  const options: StartOptions = { port: defaultPort };
  for (const option of cliOptions) {
    const value = parsed.values[option.name];
    if (value === undefined) continue;
    const problem = option.apply(String(value), options);
    if (problem) return fail(problem);
  }
  return ok({ kind: 'start', options });
}

export function usage(): string {
  const flags = cliOptions.map((option) => [
    `--${option.name}${option.value ? ` ${option.value}` : ''}`,
    option.description,
  ]);
  flags.push(['-h, --help', 'show this help']);
  const width = Math.max(...flags.map(([flag]) => (flag as string).length));
  return [
    'Usage: npm start -- [options]',
    '',
    'Runs Parley locally: DynamoDB Local, a local identity provider and an API Gateway WebSocket emulator',
    'serving the same Lambda handlers as AWS. Needs Java 17+.',
    '',
    'Options:',
    ...flags.map(([flag, description]) => `  ${(flag as string).padEnd(width)}  ${description}`),
  ].join('\n');
}

function integerIn(value: string, min: number, max: number): number | undefined {
  if (!/^\d+$/.test(value)) return undefined;
  const number = Number(value);
  return number >= min && number <= max ? number : undefined;
}
