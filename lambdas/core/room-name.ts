/**
 * Room names become part of DynamoDB keys (`ROOM#<room>`), so the alphabet excludes `#` and anything
 * else that could reach another item's key, and the length is bounded.
 */
export const ROOM_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const MAX_ROOM_NAME_LENGTH = 64;

export function describeRoomNameProblem(room: unknown): string | undefined {
  if (typeof room !== 'string') return `room must be a string, got ${describeType(room)}`;
  if (!ROOM_NAME_PATTERN.test(room)) {
    return `room must match ${ROOM_NAME_PATTERN} (lower-case letters, digits, "-" and "_", 1 to ${MAX_ROOM_NAME_LENGTH} characters), got ${quote(room)}`;
  }
  return undefined;
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Quotes a client-supplied value for an error message, cut short so errors stay small. */
export function quote(value: string, max = 80): string {
  const shown = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(shown);
}
