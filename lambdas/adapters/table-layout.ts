/**
 * The one definition of Parley's DynamoDB table: keys, indexes, TTL and stream.
 *
 * The CDK stack (lib/data.ts) and the local stack (local/) both build the table from this object, and
 * the store adapters build every key through the helpers below, so the layout cannot drift between
 * AWS, DynamoDB Local and the code that reads it.
 *
 * Items (pk / sk):
 * - connection            CONN#<connectionId> / CONNECTION      (+ byUser: USER#<username> / CONN#<connectionId>)
 *                         (also bySweep: SWEEP#<shard> / <sweepAt, 10 digits>#<connectionId>)
 * - membership, room side ROOM#<room>         / CONN#<connectionId>   (token expiry only: revocation; read on every send)
 * - membership, conn side CONN#<connectionId> / ROOM#<room>           (epoch, joinedAt)
 * - room                  ROOM#<room>         / META                  (+ byListing: ROOMS / <room>)
 * - room sequence         ROOM#<room>         / SEQ                   (epoch, last seq; the hot item of a send)
 * - room role             ROOM#<room>         / ROLE#<username>
 * - invitation            ROOM#<room>         / INVITE#<username>
 * - ban                   ROOM#<room>         / BAN#<username>
 * - presence of a user    ROOM#<room>         / PRES#<username>       (that user's connections in the room)
 * - message               HIST#<room>#<epoch> / S#<seq, 12 digits>
 * - sent-message record   HIST#<room>#<epoch> / C#<userId>#<clientMsgId>   (idempotent sends)
 * - connection slot       USER#<userId>       / SLOT#<n>            (per-user connection cap; holds connectionId)
 * - per-user counter      USER#<userId>       / RATE#<what>         (e.g. rooms created per hour)
 * - connection ticket     TICKET#<sha256>     / TICKET              (one-time, ~30 s)
 * - @connections budget   BUDGET              / POSTS               (GCRA state of the fan-out's post rate)
 * - failed logins         LOGIN#<username, lower case> / FAILURES   (password-guessing lockout, 15 min)
 *
 * Access patterns, each one GetItem or Query and never a Scan:
 * - members of a room:        pk = ROOM#<room> and begins_with(sk, CONN#)   (key condition: other room items never count)
 * - one shard of a room:      pk = ROOM#<room> and sk between CONN#<from> and CONN#<to>   (core/member-shards.ts)
 * - presence of a room:       pk = ROOM#<room> and begins_with(sk, PRES#)
 * - rooms of a connection:    pk = CONN#<id> and begins_with(sk, ROOM#)   (same Query also returns the connection)
 * - connections of a user:    index byUser, userPk = USER#<username>
 * - every connection:         index bySweep, each of its shards
 * - rooms to list:            index byListing, listPk = ROOMS (sorted by name)
 * - a room's history:         pk = HIST#<room>#<epoch> and sk between S#<from> and S#<to>
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
        nonKeyAttributes: ['connectionId', 'userId', 'username', 'connectedAt', 'tokenExpiresAt'],
      },
    },
    {
      indexName: 'byListing',
      partitionKey: 'listPk',
      sortKey: 'listSk',
      /**
       * Sparse: only room items carry `listPk`. What `listRooms` shows and filters on; the room's
       * sequence counter lives on another item, so sends never write this index.
       */
      projection: {
        type: 'INCLUDE',
        nonKeyAttributes: ['room', 'title', 'visibility', 'posting', 'owner', 'members', 'access'],
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

export type GlobalSecondaryIndexName = 'byUser' | 'bySweep' | 'byListing' | 'byListing';

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

/** Sequence numbers are zero-padded in sort keys so that string order is numeric order. */
const SEQ_DIGITS = 12;
const padSeq = (seq: number) => String(Math.max(0, Math.floor(seq))).padStart(SEQ_DIGITS, '0');

export const keys = {
  connection: (connectionId: string) => ({ pk: `CONN#${connectionId}`, sk: 'CONNECTION' }),
  connectionOfUser: (username: string, connectionId: string) => ({
    userPk: `USER#${username}`,
    userSk: `CONN#${connectionId}`,
  }),
  /** byUser partition of a user's connections. */
  connectionsOfUser: (username: string) => `USER#${username}`,
  userPartition: (userId: string) => `USER#${userId}`,
  connectionPartition: (connectionId: string) => `CONN#${connectionId}`,
  roomPartition: (room: string) => `ROOM#${room}`,
  roomMember: (room: string, connectionId: string) => ({ pk: `ROOM#${room}`, sk: `CONN#${connectionId}` }),
  roomOfConnection: (connectionId: string, room: string) => ({
    pk: `CONN#${connectionId}`,
    sk: `ROOM#${room}`,
  }),
  room: (room: string) => ({ pk: `ROOM#${room}`, sk: 'META' }),
  roomListing: (room: string) => ({ listPk: 'ROOMS', listSk: room }),
  listingPartition: 'ROOMS',
  roomSequence: (room: string) => ({ pk: `ROOM#${room}`, sk: 'SEQ' }),
  roomRole: (room: string, username: string) => ({ pk: `ROOM#${room}`, sk: `ROLE#${username}` }),
  invitation: (room: string, username: string) => ({ pk: `ROOM#${room}`, sk: `INVITE#${username}` }),
  ban: (room: string, username: string) => ({ pk: `ROOM#${room}`, sk: `BAN#${username}` }),
  presence: (room: string, username: string) => ({ pk: `ROOM#${room}`, sk: `PRES#${username}` }),
  historyPartition: (room: string, epoch: string) => `HIST#${room}#${epoch}`,
  message: (room: string, epoch: string, seq: number) => ({
    pk: `HIST#${room}#${epoch}`,
    sk: `S#${padSeq(seq)}`,
  }),
  /** The sort key of message `seq`, for range conditions. */
  messageSortKey: (seq: number) => `S#${padSeq(seq)}`,
  sentMessage: (room: string, epoch: string, userId: string, clientMsgId: string) => ({
    pk: `HIST#${room}#${epoch}`,
    sk: `C#${userId}#${clientMsgId}`,
  }),
  userCounter: (userId: string, what: string) => ({ pk: `USER#${userId}`, sk: `RATE#${what}` }),
  sweep: (connectionId: string, sweepAt: number) => ({
    sweepPk: `SWEEP#${shardOf(connectionId)}`,
    sweepSk: `${String(Math.max(0, Math.floor(sweepAt))).padStart(10, '0')}#${connectionId}`,
  }),
  sweepPartition: (shard: number) => `SWEEP#${shard}`,
  /** Every sweep sort key below this bound is due at or before `time` (epoch seconds). */
  sweepBound: (time: number) => `${String(Math.floor(time) + 1).padStart(10, '0')}#`,
  userSlot: (userId: string, slot: number) => ({ pk: `USER#${userId}`, sk: `SLOT#${slot}` }),
  ticket: (ticketHash: string) => ({ pk: `TICKET#${ticketHash}`, sk: 'TICKET' }),
  /** The account's @connections budget, shared by every fan-out worker. */
  postBudget: { pk: 'BUDGET', sk: 'POSTS' },
  loginFailures: (username: string) => ({ pk: `LOGIN#${username}`, sk: 'FAILURES' }),
  roomSortKeyPrefix: 'ROOM#',
  memberSortKeyPrefix: 'CONN#',
  /** Sorts after every member key (`CONN#` + any id) and before any other kind of room item. */
  memberSortKeyEnd: 'CONN$',
  presenceSortKeyPrefix: 'PRES#',
  messageSortKeyPrefix: 'S#',
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
