/**
 * One measured figure of `npm run bench`. Every figure is measured in the run that prints it; a figure
 * measured against a baseline carries the baseline, measured in the same run under the same conditions,
 * and their ratio.
 */
import { ratioOf } from './stats.ts';

/** Deliveries counted beside a latency: a latency means nothing if messages went missing. */
export interface DeliveryCounts {
  /** Expected deliveries that never arrived. */
  readonly lost: number;
  /** Deliveries that arrived more than once. */
  readonly duplicated: number;
  /** Deliveries that arrived after a later message of the room to the same client (by `seq` where there is one). */
  readonly outOfOrder: number;
}

/** What the ratio should be; `at-most` for costs (time, memory), `at-least` for throughputs. */
export interface RatioGoal {
  readonly comparison: 'at-most' | 'at-least';
  readonly ratio: number;
}

export interface BenchEntry {
  /** The table section the figure belongs to, e.g. `1. Broadcast overhead`. */
  readonly section: string;
  /** Unique across a run: it names the figure in the JSON report and the chart. */
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The same figure for the baseline, in the same unit. */
  readonly baseline?: number;
  /** `value / baseline`. */
  readonly ratio?: number;
  readonly goal?: RatioGoal;
  readonly deliveries?: DeliveryCounts;
  /** A few words printed beside the figure (what the baseline is, how far a run got). */
  readonly note?: string;
  /** Written to the JSON report only, not printed: inputs of the cost model that the table shows otherwise. */
  readonly jsonOnly?: boolean;
  /** Per Lambda function, for figures that add up several functions' work (JSON only). */
  readonly byFunction?: Readonly<Record<string, FunctionWork>>;
}

/** One function's part in an operation: invocations, mean milliseconds each, log bytes written. */
export interface FunctionWork {
  readonly invocations: number;
  readonly meanDurationMs: number;
  readonly logBytes: number;
}

/** A figure with no baseline. */
export function figure(
  section: string,
  name: string,
  value: number,
  unit: string,
  extra: Pick<BenchEntry, 'deliveries' | 'note' | 'byFunction' | 'jsonOnly'> = {},
): BenchEntry {
  return { section, name, value, unit, ...extra };
}

/** A figure and its baseline; the ratio is computed here, once. */
export function compared(
  section: string,
  name: string,
  value: number,
  baseline: number,
  unit: string,
  extra: Pick<BenchEntry, 'deliveries' | 'note' | 'goal'> = {},
): BenchEntry {
  const ratio = ratioOf(value, baseline);
  return { section, name, value, unit, baseline, ...(ratio === undefined ? {} : { ratio }), ...extra };
}

/** Whether the entry's ratio meets its goal; undefined when it has no goal or no ratio. */
export function meetsGoal(entry: BenchEntry): boolean | undefined {
  if (!entry.goal || entry.ratio === undefined) return undefined;
  return entry.goal.comparison === 'at-most'
    ? entry.ratio <= entry.goal.ratio
    : entry.ratio >= entry.goal.ratio;
}
