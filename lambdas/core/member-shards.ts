/**
 * A large room's members split into a fixed number of shards by the first character of the connection
 * id, so each shard is one contiguous key range of the room's partition: a worker reads its own shard
 * with one Query and no other worker reads it, and a connection is in the same shard for its whole life.
 * That last property is what keeps delivery in order: each shard's deliveries run one after another
 * (one FIFO message group per room and shard), so every member gets the room's frames in order.
 *
 * API Gateway connection ids are base64 (`L0SM9cOFvHcCIhw=`); the local gateway makes them the same
 * way. The 64 base64 characters are split two per shard. The first shard also takes whatever sorts
 * before '+' and the last whatever sorts after 'z', so the ranges cover every possible id.
 */

/** Shards per room. Fixed: changing it would move connections between shards and so reorder frames. */
export const MEMBER_SHARDS = 32;

/** Base64 characters in DynamoDB's (UTF-8 byte) order. */
const ORDERED_BASE64 = '+/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const PER_SHARD = ORDERED_BASE64.length / MEMBER_SHARDS;

/**
 * A shard's range of connection ids, as bounds of a BETWEEN condition (inclusive at both ends): from
 * `from` (undefined: the very first id) up to `to` (undefined: the very last). Two neighbouring shards
 * share only the one-character id equal to their boundary, which no gateway issues.
 */
export interface ShardRange {
  readonly from?: string;
  readonly to?: string;
}

export function shardRange(shard: number): ShardRange {
  if (!Number.isInteger(shard) || shard < 0 || shard >= MEMBER_SHARDS) {
    throw new RangeError(`shard must be an integer from 0 to ${MEMBER_SHARDS - 1}, got ${shard}`);
  }
  return {
    ...(shard > 0 ? { from: ORDERED_BASE64.charAt(shard * PER_SHARD) } : {}),
    ...(shard < MEMBER_SHARDS - 1 ? { to: ORDERED_BASE64.charAt((shard + 1) * PER_SHARD) } : {}),
  };
}

/** The shard a connection id belongs to: the range its first character falls in. */
export function shardOfConnection(connectionId: string): number {
  const first = connectionId.charAt(0);
  for (let shard = MEMBER_SHARDS - 1; shard > 0; shard--) {
    const boundary = ORDERED_BASE64.charAt(shard * PER_SHARD);
    if (compareUtf8(first, boundary) >= 0) return shard;
  }
  return 0;
}

/** String order as DynamoDB sorts: by UTF-8 bytes (which is code point order, unlike `<` on UTF-16). */
export function compareUtf8(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const difference = (left[i]?.codePointAt(0) ?? 0) - (right[i]?.codePointAt(0) ?? 0);
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}
