/**
 * `npm run bench -- --json FILE`: the run's figures as a JSON array of `{name, value, unit}`, with
 * `baseline` and `ratio` on every figure measured against one (and the section, goal and delivery
 * counts when there are some). The cost model reads the capacity figures from the checked-in copy.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BenchEntry } from './entry.ts';

export interface JsonEntry {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline?: number;
  readonly ratio?: number;
  readonly section: string;
  readonly goal?: BenchEntry['goal'];
  readonly deliveries?: BenchEntry['deliveries'];
  readonly note?: string;
  readonly byFunction?: BenchEntry['byFunction'];
}

/** Rounds to 4 significant figures: the noise on a shared machine is far larger than that. */
const rounded = (value: number) => (Number.isFinite(value) ? Number(value.toPrecision(4)) : value);

export function toJsonEntries(entries: readonly BenchEntry[]): JsonEntry[] {
  return entries.map((entry) => ({
    name: entry.name,
    value: rounded(entry.value),
    unit: entry.unit,
    ...(entry.baseline === undefined ? {} : { baseline: rounded(entry.baseline) }),
    ...(entry.ratio === undefined ? {} : { ratio: rounded(entry.ratio) }),
    section: entry.section,
    ...(entry.goal ? { goal: entry.goal } : {}),
    ...(entry.deliveries ? { deliveries: entry.deliveries } : {}),
    ...(entry.note ? { note: entry.note } : {}),
    ...(entry.byFunction
      ? {
          byFunction: Object.fromEntries(
            Object.entries(entry.byFunction).map(([name, work]) => [
              name,
              {
                invocations: rounded(work.invocations),
                meanDurationMs: rounded(work.meanDurationMs),
                logBytes: rounded(work.logBytes),
              },
            ]),
          ),
        }
      : {}),
  }));
}

export function writeJsonReport(file: string, entries: readonly BenchEntry[]): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(toJsonEntries(entries), null, 2)}\n`);
}

export function readJsonReport(file: string): JsonEntry[] {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(parsed)) throw new Error(`${file} must hold a JSON array of bench entries`);
  for (const [index, entry] of parsed.entries()) {
    const candidate = entry as Partial<JsonEntry>;
    if (
      typeof candidate?.name !== 'string' ||
      typeof candidate.value !== 'number' ||
      typeof candidate.unit !== 'string'
    )
      throw new Error(`${file}[${index}] must have a string name, a number value and a string unit`);
  }
  return parsed as JsonEntry[];
}
