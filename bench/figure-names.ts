/**
 * The names under which the benchmark reports the figures the cost model reads back from the JSON
 * report (docs/bench.json), spelled once for both sides.
 */

/** The room sizes whose capacity is measured; the cost model interpolates between them. */
export const CAPACITY_ROOM_SIZES = [10, 100, 1000] as const;

/** Short, stable names of the operations whose DynamoDB units are measured. */
export type CapacityOperation =
  | '$connect (cap)'
  | '$connect (no cap)'
  | 'caller gate (every frame)'
  | 'caller gate (no rate limit)'
  | 'joinRoom'
  | 'joinRoom (new room)'
  | `sendMessage, room of ${(typeof CAPACITY_ROOM_SIZES)[number]}`
  | 'leaveRoom'
  | '$disconnect (2 rooms)'
  | 'reauth'
  | 'sweep (nothing due)';

/** An operation's read or write request units, as AWS bills them. */
export function capacityEntryName(id: CapacityOperation, unit: 'RRU' | 'WRU'): string {
  return `${unit} per ${id}`;
}

/** Operations on the local stack whose Lambda invocations, durations and log bytes are counted. */
export const stackOperationLabels = {
  connection: 'connection ($connect, authorizer, welcome)',
  disconnection: 'disconnection',
  message: (roomSize: number) => `message, room of ${roomSize.toLocaleString('en-US')}`,
} as const;

export const invocationsEntryName = (label: string) => `Lambda invocations per ${label}`;
export const framesEntryName = (roomSize: number) =>
  `frames delivered per message, room of ${roomSize.toLocaleString('en-US')}`;
export const memoryEntryName = (functionName: string) => `configured memory ${functionName}`;

/** Reads the room size back out of a per-message name. */
export const perMessagePattern = /^Lambda invocations per message, room of ([\d,]+)$/;
