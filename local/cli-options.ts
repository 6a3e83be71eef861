/**
 * `npm start` options. Each option is one entry in `cliOptions`: its flag, help text and how it
 * changes the stack's options (local/local-stack-options.ts), so a new option is one more entry.
 * Values are checked here so a typo fails with the flag's name; the handlers check their environment
 * again at import.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseAllowedOrigins } from '../lambdas/core/origin-policy.ts';
import { fail, ok, type Result } from '../lambdas/core/result.ts';
import { defaults } from '../lambdas/defaults.ts';
import type { LocalStackOptions } from './local-stack-options.ts';
import type { LocalPolicies } from './policies.ts';

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
  {
    name: 'token-ttl',
    value: 'SECONDS',
    description: 'lifetime of the access tokens /login and /refresh issue (default 3600)',
    apply: (value, options) => {
      const seconds = integerIn(value, 1, 86_400);
      if (seconds === undefined) return `--token-ttl must be an integer from 1 to 86400, got "${value}"`;
      options.identity = { ...options.identity, tokenTtlSeconds: seconds };
      return undefined;
    },
  },
  {
    name: 'signing-key',
    value: 'FILE',
    description: 'PKCS#8 PEM RSA private key (2048+ bits) the local issuer signs with (default: generated)',
    apply: (value, options) => {
      if (!existsSync(value)) return `--signing-key must name an existing PEM file, got "${value}"`;
      options.identity = { ...options.identity, signingKeyFile: value };
      return undefined;
    },
  },
  {
    name: 'users',
    value: 'FILE',
    description:
      'users file the local identity provider serves (default <data-dir>/identity/users.json, created with the demo users; without --data-dir, the demo users in memory)',
    apply: (value, options) => {
      if (!existsSync(value)) return `--users must name an existing users file, got "${value}"`;
      options.identity = { ...options.identity, usersFile: value };
      return undefined;
    },
  },
  booleanPolicyOption(
    'allow-query-token',
    'allowQueryToken',
    'whether handshakes may present the token as ?token= (default true)',
  ),
  booleanPolicyOption(
    'tokens-in-body',
    'tokensInBody',
    'false: cookie-only mode, no token in any /login, /password or /refresh body; the refresh token travels in its own HttpOnly cookie (default true)',
  ),
  integerPolicyOption(
    'max-connections-per-user',
    'maxConnectionsPerUser',
    0,
    1000,
    `concurrent connections per user; 0 means no cap (default ${defaults.maxConnectionsPerUser})`,
  ),
  {
    name: 'rate-limit',
    value: 'N',
    description: `messages per second per connection; 0 turns the limit off (default ${defaults.rateLimit.perSecond})`,
    apply: (value, options) => {
      const perSecond = integerIn(value, 0, 10_000);
      if (perSecond === undefined) return `--rate-limit must be an integer from 0 to 10000, got "${value}"`;
      options.policies = { ...options.policies, rateLimit: { ...options.policies?.rateLimit, perSecond } };
      return undefined;
    },
  },
  {
    name: 'rate-burst',
    value: 'N',
    description: `messages an idle connection may send at once (default twice --rate-limit, ${defaults.rateLimit.burst})`,
    apply: (value, options) => {
      const burst = integerIn(value, 1, 100_000);
      if (burst === undefined) return `--rate-burst must be an integer from 1 to 100000, got "${value}"`;
      options.policies = { ...options.policies, rateLimit: { ...options.policies?.rateLimit, burst } };
      return undefined;
    },
  },
  {
    name: 'rate-close-after',
    value: 'N',
    description: `refusals in a row after which a connection is closed; 0 never (default ${defaults.rateLimit.closeAfterRefusals})`,
    apply: (value, options) => {
      const closeAfterRefusals = integerIn(value, 0, 10_000);
      if (closeAfterRefusals === undefined)
        return `--rate-close-after must be an integer from 0 to 10000, got "${value}"`;
      options.policies = {
        ...options.policies,
        rateLimit: { ...options.policies?.rateLimit, closeAfterRefusals },
      };
      return undefined;
    },
  },
  roomOption(
    'rooms-per-connection',
    'maxRoomsPerConnection',
    0,
    10_000,
    'rooms one connection may be in; 0 for no limit',
  ),
  roomOption(
    'members-per-room',
    'maxMembersPerRoom',
    0,
    10_000_000,
    'users one room may hold; 0 for no limit',
  ),
  roomOption(
    'rooms-per-hour',
    'createdPerUserPerHour',
    0,
    100_000,
    'rooms one user may create per hour; 0 for no limit',
  ),
  roomOption(
    'announce-joins-up-to',
    'announceJoinsUpTo',
    0,
    10_000_000,
    'rooms with more users announce occupancy instead of each joined/left',
  ),
  historyOption(
    'history-retention-days',
    'retentionDays',
    0,
    3650,
    'days messages are kept for history and catch-up; 0 keeps none',
  ),
  historyOption('max-replay', 'maxReplay', 0, 10_000, 'messages a join with since replays at most'),
  {
    name: 'room-rate',
    value: 'N',
    description: `messages per second one room takes (burst twice that); 0 for no limit (default ${defaults.history.roomRate.perSecond})`,
    apply: (value, options) => {
      const perSecond = integerIn(value, 0, 1_000);
      if (perSecond === undefined) return `--room-rate must be an integer from 0 to 1000, got "${value}"`;
      options.policies = {
        ...options.policies,
        history: { ...options.policies?.history, roomRate: { perSecond, burst: Math.max(1, 2 * perSecond) } },
      };
      return undefined;
    },
  },
  fanoutOption(
    'direct-limit',
    'directLimit',
    0,
    10_000,
    'rooms with more members fan out through the 32 member shards instead of their sequencer',
  ),
  fanoutOption(
    'posts-per-second',
    'postsPerSecond',
    0,
    1_000_000,
    '@connections posts per second across all fan-out workers (the burst is the same); 0 for no budget',
  ),
  {
    name: 'allowed-origins',
    value: 'a,b',
    description:
      'comma-separated origins browsers may connect from, e.g. http://localhost:5173 (default: any)',
    apply: (value, options) => {
      const origins = value
        .split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin !== '');
      if (origins.length === 0) return '--allowed-origins must list at least one origin (or *)';
      const parsed = parseAllowedOrigins(origins);
      if (!parsed.success) return `--allowed-origins: ${parsed.error.join('; ')}`;
      options.policies = { ...options.policies, allowedOrigins: origins };
      return undefined;
    },
  },
  {
    name: 'allow-missing-origin',
    value: 'true|false',
    description:
      'whether handshakes without an Origin header (non-browser clients) are allowed (default true)',
    apply: (value, options) => {
      if (value !== 'true' && value !== 'false')
        return `--allow-missing-origin must be true or false, got "${value}"`;
      options.policies = { ...options.policies, allowMissingOrigin: value === 'true' };
      return undefined;
    },
  },
  {
    name: 'sweep-interval',
    value: 'SECONDS',
    description:
      'seconds between sweeps (reauth notices, closing expired connections; default 60, as on AWS)',
    apply: (value, options) => {
      const seconds = integerIn(value, 1, 86_400);
      if (seconds === undefined) return `--sweep-interval must be an integer from 1 to 86400, got "${value}"`;
      options.scheduleIntervalSeconds = { ...options.scheduleIntervalSeconds, sweeper: seconds };
      return undefined;
    },
  },
];

type RoomLimit = keyof NonNullable<LocalPolicies['rooms']>;

/** A flag that sets one room limit, refusing values outside `min`–`max`. */
function roomOption(
  name: string,
  limit: RoomLimit,
  min: number,
  max: number,
  description: string,
): CliOption {
  return {
    name,
    value: 'N',
    description: `${description} (default ${defaults.rooms[limit]})`,
    apply: (value, options) => {
      const number = integerIn(value, min, max);
      if (number === undefined) return `--${name} must be an integer from ${min} to ${max}, got "${value}"`;
      options.policies = { ...options.policies, rooms: { ...options.policies?.rooms, [limit]: number } };
      return undefined;
    },
  };
}

type HistorySetting = 'retentionDays' | 'maxReplay';

/** A flag that sets one history setting, refusing values outside `min`–`max`. */
function historyOption(
  name: string,
  setting: HistorySetting,
  min: number,
  max: number,
  description: string,
): CliOption {
  return {
    name,
    value: 'N',
    description: `${description} (default ${defaults.history[setting]})`,
    apply: (value, options) => {
      const number = integerIn(value, min, max);
      if (number === undefined) return `--${name} must be an integer from ${min} to ${max}, got "${value}"`;
      options.policies = {
        ...options.policies,
        history: { ...options.policies?.history, [setting]: number },
      };
      return undefined;
    },
  };
}

type FanoutSetting = 'directLimit' | 'postsPerSecond';

/** A flag that sets one fan-out setting, refusing values outside `min`–`max`. */
function fanoutOption(
  name: string,
  setting: FanoutSetting,
  min: number,
  max: number,
  description: string,
): CliOption {
  return {
    name,
    value: 'N',
    description: `${description} (default ${defaults.fanout[setting]})`,
    apply: (value, options) => {
      const number = integerIn(value, min, max);
      if (number === undefined) return `--${name} must be an integer from ${min} to ${max}, got "${value}"`;
      const extra = setting === 'postsPerSecond' && number > 0 ? { postsBurst: number } : {};
      options.policies = {
        ...options.policies,
        fanout: { ...options.policies?.fanout, [setting]: number, ...extra },
      };
      return undefined;
    },
  };
}

type BooleanPolicy = {
  [K in keyof LocalPolicies]-?: LocalPolicies[K] extends boolean | undefined ? K : never;
}[keyof LocalPolicies];

/** A `true|false` flag that sets a boolean policy. */
function booleanPolicyOption(name: string, policy: BooleanPolicy, description: string): CliOption {
  return {
    name,
    value: 'true|false',
    description,
    apply: (value, options) => {
      if (value !== 'true' && value !== 'false') return `--${name} must be true or false, got "${value}"`;
      options.policies = { ...options.policies, [policy]: value === 'true' };
      return undefined;
    },
  };
}

type NumericPolicy = {
  [K in keyof LocalPolicies]-?: LocalPolicies[K] extends number | undefined ? K : never;
}[keyof LocalPolicies];

/** A flag that sets an integer policy, refusing values outside `min`–`max`. */
function integerPolicyOption(
  name: string,
  policy: NumericPolicy,
  min: number,
  max: number,
  description: string,
): CliOption {
  return {
    name,
    value: 'N',
    description,
    apply: (value, options) => {
      const number = integerIn(value, min, max);
      if (number === undefined) return `--${name} must be an integer from ${min} to ${max}, got "${value}"`;
      options.policies = { ...options.policies, [policy]: number };
      return undefined;
    },
  };
}

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
