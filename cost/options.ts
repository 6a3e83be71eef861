/**
 * `npm run cost` flags: the workload (`--connections N --rooms R --room-size S --messages-per-minute M`,
 * or `--workload NAME` with any of those overriding it), the assumptions, and `--report FILE`, the
 * benchmark JSON the measured figures come from.
 */
import { ParleyError } from '../lambdas/core/errors.ts';
import { type Assumptions, defaultAssumptions, type Workload } from './model.ts';
import { namedWorkloads, type WorkloadName } from './workloads.ts';

export interface CostOptions {
  readonly workload: Workload;
  readonly workloadName?: WorkloadName;
  readonly assumptions: Assumptions;
  readonly report: string;
}

/** A flag `npm run cost` does not know, a bad value, or a workload left incomplete. */
export class CostUsageError extends ParleyError {}

export const DEFAULT_REPORT = 'docs/bench.json';

const workloadFlags = {
  '--connections': 'connections',
  '--rooms': 'rooms',
  '--room-size': 'roomSize',
  '--messages-per-minute': 'messagesPerMinute',
} as const satisfies Record<string, keyof Workload>;

const assumptionFlags = {
  '--message-bytes': 'messageBytes',
  '--session-minutes': 'sessionMinutes',
  '--platform-log-bytes': 'platformLogBytesPerInvocation',
  '--access-log-bytes': 'accessLogBytesPerRequest',
  '--log-retention-months': 'logRetentionMonths',
  '--connection-bytes': 'connectionBytes',
  '--membership-bytes': 'membershipBytes',
  '--sweeper-duration-ms': 'sweeperDurationMs',
} as const satisfies Record<string, Exclude<keyof Assumptions, 'durationMs'>>;

function number(flag: string, raw: string | undefined): number {
  const value = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(value) || value < 0)
    throw new CostUsageError(`${flag} must be a number of 0 or more, got "${raw ?? ''}"`);
  return value;
}

export function parseCostOptions(argv: readonly string[]): CostOptions {
  const workload: Partial<Record<keyof Workload, number>> = {};
  const assumptions: Record<string, number> = {};
  const durationMs: Record<string, number> = {};
  let workloadName: WorkloadName | undefined;
  let report = DEFAULT_REPORT;
  let notices = defaultAssumptions.membershipNotices;
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index] as string;
    const raw = argv[++index];
    if (flag in workloadFlags)
      workload[workloadFlags[flag as keyof typeof workloadFlags]] = number(flag, raw);
    else if (flag in assumptionFlags)
      assumptions[assumptionFlags[flag as keyof typeof assumptionFlags]] = number(flag, raw);
    else if (flag === '--membership-notices') {
      if (raw !== 'true' && raw !== 'false')
        throw new CostUsageError(`--membership-notices must be true or false, got "${raw ?? ''}"`);
      notices = raw === 'true';
    } else if (flag === '--duration') {
      const [name, ms] = (raw ?? '').split('=');
      if (!name || ms === undefined)
        throw new CostUsageError(`--duration takes FUNCTION=MS, got "${raw ?? ''}"`);
      durationMs[name] = number(`--duration ${name}`, ms);
    } else if (flag === '--workload') {
      if (!raw || !(raw in namedWorkloads))
        throw new CostUsageError(
          `--workload must be one of ${Object.keys(namedWorkloads).join(', ')}, got "${raw ?? ''}"`,
        );
      workloadName = raw as WorkloadName;
    } else if (flag === '--report') {
      if (!raw) throw new CostUsageError('--report needs a file');
      report = raw;
    } else throw new CostUsageError(`unknown flag "${flag}"`);
  }
  const complete = { ...(workloadName ? namedWorkloads[workloadName] : {}), ...workload };
  const missing = Object.entries(workloadFlags)
    .filter(([, key]) => complete[key] === undefined)
    .map(([flag]) => flag);
  if (missing.length > 0)
    throw new CostUsageError(
      `the workload needs ${missing.join(', ')} (or --workload ${Object.keys(namedWorkloads).join('|')})`,
    );
  return {
    workload: complete as Workload,
    ...(workloadName ? { workloadName } : {}),
    assumptions: { ...defaultAssumptions, ...assumptions, durationMs, membershipNotices: notices },
    report,
  };
}
