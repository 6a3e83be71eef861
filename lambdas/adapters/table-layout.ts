/**
 * The one definition of Parley's DynamoDB table: keys, indexes, TTL and stream.
 *
 * The CDK stack (lib/data.ts) and the local stack (local/) both build the table from this object, and
 * the store adapters build every key through the helpers below, so the layout cannot drift between
 * AWS, DynamoDB Local and the code that reads it.
 *
 * Items (pk / sk):
 * - connection            CONN#<connectionId> / CONNECTION      (+ byUser: USER#<userId> / CONN#<connectionId>)
 * - membership, room side ROOM#<room>         / CONN#<connectionId>
 * - membership, conn side CONN#<connectionId> / ROOM#<room>
 *                         (the connection item also carries bySweep: SWEEP#<shard> / <sweepAt, 10 digits>#<connectionId>)
 * - connection slot       USER#<userId>       / SLOT#<n>            (per-user connection cap; holds connectionId)
 * - connection ticket     TICKET#<sha256>     / TICKET              (one-time, ~30 s)
 *
 * Access patterns, each one Query and never a Scan:
 * - members of a room:        pk = ROOM#<room>
 * - rooms of a connection:    pk = CONN#<id> and begins_with(sk, ROOM#)   (same Query also returns the connection)
 * - connections of a user:    index byUser, userPk = USER#<userId>
 * - connections due for a sweep (token expiring, or past API Gateway's 2-hour limit):
 *                             index bySweep, sweepPk = SWEEP#<shard> and sweepSk < <time>, for each shard
 */
export interface IndexLayout {
  readonly indexName: GlobalSecondaryIndexName;
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly projection: {
    readonly type: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
    readonly nonKeyAttributes?: readonly string[];
  };
}

export interface TableLayout {
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly timeToLiveAttribute: string;
  readonly streamViewType: 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';
  readonly globalSecondaryIndexes: readonly IndexLayout[];
}

export const tableLayout: TableLayout = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  /** DynamoDB Streams view; the connection-events function reacts to new connections. */
  streamViewType: 'NEW_AND_OLD_IMAGES',
  globalSecondaryIndexes: [
    {
      indexName: 'byUser',
      partitionKey: 'userPk',
      sortKey: 'userSk',
      /** Only the attributes the per-user lookups need (keeps the index cheap). */
      projection: {
        type: 'INCLUDE',
        nonKeyAttributes: ['connectionId', 'userId', 'connectedAt', 'tokenExpiresAt'],
      },
    },
    {
      indexName: 'bySweep',
      partitionKey: 'sweepPk',
      sortKey: 'sweepSk',
      /**
       * What the sweeper reads to notify, close and announce departures. Not ALL: the per-message
       * rate bucket (`rateTat`) lives on the connection item, and projecting it would double the
       * write cost of every message.
       */
      projection: {
        type: 'INCLUDE',
        nonKeyAttributes: [
          'connectionId',
          'userId',
          'username',
          'groups',
          'tokenExpiresAt',
          'connectedAt',
          'slot',
        ],
      },
    },
  ],
};

export type GlobalSecondaryIndexName = 'byUser' | 'bySweep';

/** Every key attribute is a string. */
export const keyAttributeNames: readonly string[] = [
  tableLayout.partitionKey,
  tableLayout.sortKey,
  ...tableLayout.globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
];

/**
 * The sweep index is spread over this many partitions so connection churn never concentrates on one
 * index partition (each takes ~1,000 writes/s; API Gateway admits 500 new connections/s per account).
 */
export const SWEEP_SHARDS = 8;

export const keys = {
  connection: (connectionId: string) => ({ pk: `CONN#${connectionId}`, sk: 'CONNECTION' }),
  connectionOfUser: (userId: string, connectionId: string) => ({
    userPk: `USER#${userId}`,
    userSk: `CONN#${connectionId}`,
  }),
  userPartition: (userId: string) => `USER#${userId}`,
  connectionPartition: (connectionId: string) => `CONN#${connectionId}`,
  roomPartition: (room: string) => `ROOM#${room}`,
  roomMember: (room: string, connectionId: string) => ({ pk: `ROOM#${room}`, sk: `CONN#${connectionId}` }),
  roomOfConnection: (connectionId: string, room: string) => ({
    pk: `CONN#${connectionId}`,
    sk: `ROOM#${room}`,
  }),
  sweep: (connectionId: string, sweepAt: number) => ({
    sweepPk: `SWEEP#${shardOf(connectionId)}`,
    sweepSk: `${String(Math.max(0, Math.floor(sweepAt))).padStart(10, '0')}#${connectionId}`,
  }),
  sweepPartition: (shard: number) => `SWEEP#${shard}`,
  /** Every sweep sort key below this bound is due at or before `time` (epoch seconds). */
  sweepBound: (time: number) => `${String(Math.floor(time) + 1).padStart(10, '0')}#`,
  userSlot: (userId: string, slot: number) => ({ pk: `USER#${userId}`, sk: `SLOT#${slot}` }),
  ticket: (ticketHash: string) => ({ pk: `TICKET#${ticketHash}`, sk: 'TICKET' }),
  roomSortKeyPrefix: 'ROOM#',
  connectionSortKey: 'CONNECTION',
} as const;

/** A stable shard for a connection id (FNV-1a), so its sweep key can be rebuilt from the id alone. */
export function shardOf(connectionId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < connectionId.length; i++) {
    hash ^= connectionId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % SWEEP_SHARDS;
}
