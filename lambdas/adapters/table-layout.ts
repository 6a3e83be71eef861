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
 *
 * Access patterns, each one Query and never a Scan:
 * - members of a room:        pk = ROOM#<room>
 * - rooms of a connection:    pk = CONN#<id> and begins_with(sk, ROOM#)   (same Query also returns the connection)
 * - connections of a user:    index byUser, userPk = USER#<userId>
 */
export const tableLayout = {
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
  ],
} as const;

export type GlobalSecondaryIndexName = (typeof tableLayout.globalSecondaryIndexes)[number]['indexName'];

/** Every key attribute is a string. */
export const keyAttributeNames: readonly string[] = [
  tableLayout.partitionKey,
  tableLayout.sortKey,
  ...tableLayout.globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
];

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
  roomSortKeyPrefix: 'ROOM#',
  connectionSortKey: 'CONNECTION',
} as const;
