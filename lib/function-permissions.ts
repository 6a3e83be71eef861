import type { WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { keys } from '../lambdas/adapters/table-layout.ts';
import type { FunctionName, QueueName } from '../lambdas/functions.ts';

/** The DynamoDB actions a Parley function may be granted, without the `dynamodb:` prefix. */
export type TableAction =
  | 'GetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem'
  | 'TransactWriteItems'
  | 'ConditionCheckItem'
  | 'BatchGetItem';

export interface FunctionPermissions {
  /**
   * Granted on the table, and on its indexes (`table/…/index/*`) when one of them is a Query. Inside a transaction IAM
   * checks each item's own action (Put → PutItem, Delete → DeleteItem, ConditionCheck →
   * ConditionCheckItem), so a function that writes transactionally needs those too.
   */
  readonly tableActions: readonly TableAction[];
  /**
   * Restricts `tableActions` to items whose partition key matches one of these patterns (`*` and `?`
   * wildcards), as the IAM condition `ForAllValues:StringLike` on `dynamodb:LeadingKeys`. Item-level
   * actions only: `ForAllValues` also passes a request with no leading key at all, such as a Scan.
   * @default - every item of the table
   */
  readonly leadingKeys?: readonly string[];
  /** `execute-api:ManageConnections` on the WebSocket stage: post to, inspect and close connections. */
  readonly manageConnections: boolean;
  /**
   * Fan-out queues the function sends to (`sqs:SendMessage`). Consuming comes from the event source.
   * @default - none
   */
  readonly sendsTo?: readonly QueueName[];
}

/** Every function that publishes to rooms (a join notice, a message, a departure) sends to this queue. */
const publishes: readonly QueueName[] = ['publications'];

/**
 * What finding a connection gone takes (broadcast.ts, presence.ts): read its rows (Query, GetItem),
 * delete them (BatchWriteItem, DeleteItem) and update its rooms' presence and counts (UpdateItem).
 * Every function that posts to connections may find one gone.
 */
const departures: readonly TableAction[] = ['GetItem', 'Query', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'];

/** Every ticket item (`TICKET#<sha256>` / `TICKET`), from the shared table layout. */
const ticketItems = [keys.ticket('*').pk];

/**
 * What each function may do, and nothing more. The stack grants exactly this (`grantFunctionPermissions`);
 * test/infra asserts it. Stream reads for `connectionEvents` come from its DynamoDB event source, not
 * from this map. Login, refresh and logout touch no table and need no IAM: InitiateAuth and RevokeToken
 * are unauthenticated Cognito APIs for an app client without a secret.
 */
export const functionPermissions: Readonly<Record<FunctionName, FunctionPermissions>> = {
  // Spends a one-time ticket with a conditional delete, and can reach no other item.
  authorizer: { tableActions: ['DeleteItem'], leadingKeys: ticketItems, manageConnections: false },
  // Claims and releases per-user slots (PutItem, DeleteItem) and stores the connection (PutItem). At the
  // cap it probes older holders (GET @connections) and removes vanished ones, telling their rooms.
  connect: { tableActions: departures, manageConnections: true, sendsTo: publishes },
  disconnect: { tableActions: departures, manageConnections: true, sendsTo: publishes },
  // Every message route spends from the caller's bucket (UpdateItem, which also reads the caller) and,
  // when a post finds a connection gone, removes it and takes it out of presence (departures).
  default: { tableActions: departures, manageConnections: true, sendsTo: publishes },
  // Reads the room and the caller's standing, may create the room, writes the membership in a
  // transaction with its checks, and counts the user into presence.
  joinRoom: {
    tableActions: [...departures, 'BatchGetItem', 'TransactWriteItems', 'ConditionCheckItem', 'PutItem'],
    manageConnections: true,
    sendsTo: publishes,
  },
  leaveRoom: {
    tableActions: [...departures, 'TransactWriteItems'],
    manageConnections: true,
    sendsTo: publishes,
  },
  // Spends from the caller's bucket, reads the membership (GetItem) and queues the message for the room's
  // sequencer, which numbers and stores it.
  sendMessage: { tableActions: departures, manageConnections: true, sendsTo: publishes },
  // Reads history (Query, GetItem), fills holes (PutItem), marks deleted messages (UpdateItem).
  history: {
    tableActions: [...departures, 'BatchGetItem', 'PutItem'],
    manageConnections: true,
    sendsTo: publishes,
  },
  // Creates (and joins), updates, deletes and lists rooms (the byListing index).
  rooms: {
    tableActions: [...departures, 'BatchGetItem', 'TransactWriteItems', 'ConditionCheckItem', 'PutItem'],
    manageConnections: true,
    sendsTo: publishes,
  },
  // Writes roles, invitations and bans; removes users from rooms; finds invitees' connections (byUser).
  moderation: {
    tableActions: [...departures, 'BatchGetItem', 'TransactWriteItems', 'PutItem'],
    manageConnections: true,
    sendsTo: publishes,
  },
  presence: { tableActions: departures, manageConnections: true, sendsTo: publishes },
  connectionEvents: {
    tableActions: ['GetItem', 'Query', 'DeleteItem', 'BatchWriteItem'],
    manageConnections: true,
    sendsTo: publishes,
  },
  // Spends from the caller's bucket and rewrites its identity and memberships' expiry (UpdateItem, Query).
  reauth: { tableActions: departures, manageConnections: true, sendsTo: publishes },
  // Queries the bySweep index, marks notices (UpdateItem), removes connections and their rows and slots,
  // tells their rooms (Query) and closes them.
  sweeper: { tableActions: departures, manageConnections: true, sendsTo: publishes },
  // Takes rooms' next numbers (UpdateItem; in announcement rooms reading the room and the sender's
  // standing), records clients' message ids and stores messages (PutItem), forgets the record of one that
  // could not be stored (DeleteItem), reads member lists, and sends large rooms' frames to the shard workers.
  sequencer: {
    tableActions: [...departures, 'BatchGetItem', 'PutItem'],
    manageConnections: true,
    sendsTo: ['publications', 'deliveries'],
  },
  // Reads its shard of the member list and spends from the post budget (UpdateItem).
  shardDelivery: { tableActions: departures, manageConnections: true, sendsTo: publishes },
  login: { tableActions: [], manageConnections: false },
  refresh: { tableActions: [], manageConnections: false },
  // Writes a new ticket, and can reach no other item.
  ticket: { tableActions: ['PutItem'], leadingKeys: ticketItems, manageConnections: false },
  logout: { tableActions: [], manageConnections: false },
};

/** The resources the map's permissions are granted on. */
export interface PermissionTargets {
  readonly table: ITable;
  readonly stage: WebSocketStage;
  readonly queues: Readonly<Record<QueueName, IQueue>>;
}

/** Table actions that can address an index; the others name one item of the base table. */
const indexActions: readonly TableAction[] = ['Query'];

/**
 * Grants one function what `functionPermissions` maps it to. One statement for the table actions: on
 * the base table, plus its indexes only for actions that can read one, with the item restriction as a
 * condition. Not `table.grant()`, which cannot attach conditions; the table has no customer-managed KMS
 * key, so there is no key grant to miss.
 */
export function grantFunctionPermissions(
  name: FunctionName,
  grantee: IGrantable,
  { table, stage, queues }: PermissionTargets,
): void {
  const { tableActions, leadingKeys, manageConnections, sendsTo } = functionPermissions[name];
  for (const queue of sendsTo ?? []) queues[queue].grantSendMessages(grantee);
  if (tableActions.length > 0) {
    Grant.addToPrincipal({
      grantee,
      actions: tableActions.map((action) => `dynamodb:${action}`),
      resourceArns: tableActions.some((action) => indexActions.includes(action))
        ? [table.tableArn, `${table.tableArn}/index/*`]
        : [table.tableArn],
      conditions: leadingKeys
        ? { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...leadingKeys] } }
        : undefined,
    });
  }
  if (manageConnections) stage.grantManagementApiAccess(grantee);
}
