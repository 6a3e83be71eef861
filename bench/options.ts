/**
 * `npm run bench` flags: `--quick` (a smaller run, under 5 minutes on a 2-core machine), `--json FILE`
 * (the figures as JSON), `--svg FILE` (the ratio chart), `--only a,b` (some benchmarks only), and
 * `--room-sizes a,b` / `--connections N` to size the fan-out and connections benchmarks.
 */
import { ParleyError } from '../lambdas/core/errors.ts';

export const benchmarkNames = [
  'broadcast',
  'fan-out',
  'capacity',
  'verify',
  'connections',
  'module-init',
  'bundle-sizes',
] as const;
export type BenchmarkName = (typeof benchmarkNames)[number];

export interface BenchOptions {
  readonly quick: boolean;
  readonly json?: string;
  readonly svg?: string;
  readonly only: readonly BenchmarkName[];
  /** Room sizes of the fan-out benchmark, instead of the run's defaults. */
  readonly roomSizes?: readonly number[];
  /** Connections the connections benchmark attempts, instead of the run's default. */
  readonly connections?: number;
}

/** A flag `npm run bench` does not know, or one without its value. */
export class BenchUsageError extends ParleyError {}

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  let quick = false;
  let json: string | undefined;
  let svg: string | undefined;
  let only: BenchmarkName[] = [...benchmarkNames];
  let roomSizes: number[] | undefined;
  let connections: number | undefined;
  const positive = (flag: string, raw: string) => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1)
      throw new BenchUsageError(`${flag} takes whole numbers of 1 or more, got "${raw}"`);
    return value;
  };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    const value = () => {
      const next = argv[++index];
      if (next === undefined || next.startsWith('--')) throw new BenchUsageError(`${flag} needs a value`);
      return next;
    };
    if (flag === '--quick') quick = true;
    else if (flag === '--json') json = value();
    else if (flag === '--svg') svg = value();
    else if (flag === '--room-sizes')
      roomSizes = value()
        .split(',')
        .map((raw) => positive(flag, raw));
    else if (flag === '--connections') connections = positive(flag, value());
    else if (flag === '--only') {
      only = value()
        .split(',')
        .map((name) => {
          if (!(benchmarkNames as readonly string[]).includes(name))
            throw new BenchUsageError(`--only takes names from ${benchmarkNames.join(', ')}, got "${name}"`);
          return name as BenchmarkName;
        });
    } else
      throw new BenchUsageError(
        `unknown flag "${flag}"; use --quick, --json FILE, --svg FILE, --only a,b, --room-sizes a,b, --connections N`,
      );
  }
  return {
    quick,
    only,
    ...(json ? { json } : {}),
    ...(svg ? { svg } : {}),
    ...(roomSizes ? { roomSizes } : {}),
    ...(connections ? { connections } : {}),
  };
}
