/**
 * What one Parley operation costs in AWS units, read from the benchmark's JSON report (docs/bench.json,
 * written by `npm run bench -- --json`): DynamoDB request units per operation, Lambda invocations,
 * durations and log bytes per connection, message and disconnection, frames delivered per message, and
 * each function's configured memory. Nothing here is typed in: a figure missing from the report is an
 * error that names it.
 */
import {
  CAPACITY_ROOM_SIZES,
  type CapacityOperation,
  capacityEntryName,
  framesEntryName,
  invocationsEntryName,
  memoryEntryName,
  perMessagePattern,
  stackOperationLabels,
} from '../bench/figure-names.ts';
import type { JsonEntry } from '../bench/json-report.ts';
import { ParleyError } from '../lambdas/core/errors.ts';

export interface RequestUnits {
  readonly read: number;
  readonly write: number;
}

/** Per function: invocations per operation, mean milliseconds each, log bytes per operation. */
export type OperationWork = Readonly<
  Record<string, { readonly invocations: number; readonly meanDurationMs: number; readonly logBytes: number }>
>;

export interface MeasuredProfile {
  readonly units: Readonly<Record<CapacityOperation, RequestUnits>>;
  /** DynamoDB units of one message to a room of each measured size, ascending. */
  readonly messageUnits: readonly { readonly roomSize: number; readonly units: RequestUnits }[];
  /** Lambda work and frames of one message to a room of each measured size, ascending. */
  readonly messages: readonly {
    readonly roomSize: number;
    readonly work: OperationWork;
    readonly frames: number;
  }[];
  readonly connection: OperationWork;
  readonly disconnection: OperationWork;
  /** Configured memory per function, MB. */
  readonly memoryMb: Readonly<Record<string, number>>;
}

/** The benchmark report lacks a figure the model needs. */
export class MissingFigureError extends ParleyError {
  constructor(name: string, file: string) {
    super(`the figure "${name}" is not in ${file}; run npm run bench -- --json ${file} first`);
  }
}

export function profileFromReport(entries: readonly JsonEntry[], file = 'the report'): MeasuredProfile {
  const byName = new Map(entries.map((entry) => [entry.name, entry]));
  const value = (name: string) => {
    const entry = byName.get(name);
    if (!entry) throw new MissingFigureError(name, file);
    return entry.value;
  };
  const work = (label: string): OperationWork => {
    const entry = byName.get(invocationsEntryName(label));
    if (!entry?.byFunction) throw new MissingFigureError(invocationsEntryName(label), file);
    return entry.byFunction;
  };
  const operations: CapacityOperation[] = [
    '$connect (cap)',
    '$connect (no cap)',
    'caller gate (every frame)',
    'caller gate (no rate limit)',
    'joinRoom',
    'joinRoom (new room)',
    ...CAPACITY_ROOM_SIZES.map((size) => `sendMessage, room of ${size}` as const),
    'leaveRoom',
    '$disconnect (2 rooms)',
    'reauth',
    'sweep (nothing due)',
  ];
  const units = Object.fromEntries(
    operations.map((id) => [
      id,
      { read: value(capacityEntryName(id, 'RRU')), write: value(capacityEntryName(id, 'WRU')) },
    ]),
  ) as Record<CapacityOperation, RequestUnits>;
  const roomSizes = entries
    .map((entry) => perMessagePattern.exec(entry.name)?.[1])
    .filter((size): size is string => size !== undefined)
    .map((size) => Number(size.replace(/,/g, '')))
    .sort((a, b) => a - b);
  if (roomSizes.length === 0)
    throw new MissingFigureError(invocationsEntryName(stackOperationLabels.message(10)), file);
  const memoryMb = Object.fromEntries(
    entries
      .filter((entry) => entry.name.startsWith(memoryEntryName('')))
      .map((entry) => [entry.name.slice(memoryEntryName('').length), entry.value]),
  );
  return {
    units,
    messageUnits: CAPACITY_ROOM_SIZES.map((roomSize) => ({
      roomSize,
      units: units[`sendMessage, room of ${roomSize}`],
    })),
    messages: roomSizes.map((roomSize) => ({
      roomSize,
      work: work(stackOperationLabels.message(roomSize)),
      frames: value(framesEntryName(roomSize)),
    })),
    connection: work(stackOperationLabels.connection),
    disconnection: work(stackOperationLabels.disconnection),
    memoryMb,
  };
}

/**
 * Linear interpolation between measured points (ascending `x`), extended along the last (or first)
 * segment beyond them, never below zero: fan-out cost grows with room size, and the model must say
 * something for rooms larger than the benchmark could open.
 */
export function interpolate(points: readonly (readonly [number, number])[], x: number): number {
  if (points.length === 0) throw new RangeError('interpolate needs at least one point');
  if (points.length === 1) return (points[0] as readonly [number, number])[1];
  let index = points.findIndex(([px]) => px >= x);
  if (index <= 0) index = index === 0 ? 1 : points.length - 1;
  const [x0, y0] = points[index - 1] as readonly [number, number];
  const [x1, y1] = points[index] as readonly [number, number];
  const y = x1 === x0 ? y1 : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
  return Math.max(0, y);
}
