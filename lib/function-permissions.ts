import { Stack } from 'aws-cdk-lib';
import type { WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
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
   * Functions that Query an index also list the index's partition-key patterns: which key IAM compares
   * for an index Query is not documented, and listing both is right either way.
   * @default - every item of the table
   */
  readonly leadingKeys?: readonly string[];
  /**
   * One-time connection tickets: `issue` puts `TICKET#` items, `redeem` deletes them (one conditional
   * delete per ticket); either way, in a statement of its own that reaches no other item, plus
   * `secretsmanager:GetSecretValue` on the ticket key's secret alone.
   * @default - no tickets
   */
  readonly tickets?: 'issue' | 'redeem';
  /** `execute-api:ManageConnections` on the WebSocket stage: post to, inspect and close connections. */
  readonly manageConnections: boolean;
  /**
   * Which @connections methods `manageConnections` covers: `POST` posts a frame, `GET` probes a
   * connection, `DELETE` closes it.
   * @default all three
   */
  readonly connectionMethods?: readonly ConnectionMethod[];
  /**
   * Fan-out queues the function sends to (`sqs:SendMessage`). Consuming comes from the event source.
   * @default - none
   */
  readonly sendsTo?: readonly QueueName[];
}

export type ConnectionMethod = 'POST' | 'GET' | 'DELETE';

/** Partition-key patterns of the item families, from the shared table layout. */
const items = {
  /** A connection and its side of each membership. */
  connections: keys.connectionPartition('*'),
  /** A room: its members, metadata, counter, roles, invitations, bans and presence. */
  rooms: keys.roomPartition('*'),
  /** The byListing index's one partition (rooms by name). */
  listing: keys.listingPartition,
  /** A room's messages and sent-message records, per epoch. */
  history: keys.historyPartition('*', '*').replace('#*#*', '#*'),
  /** The @connections budget the fan-out workers share. */
  postBudget: keys.postBudget.pk,
  /** Per-user connection slots; also the byUser index's partitions (USER#<username>). */
  users: keys.userPartition('*'),
  /** The bySweep index's partitions. */
  sweepShards: `${keys.sweepPartition(0).replace(/\d+$/, '')}*`,
  /** Failed-login records (password-guessing lockout). */
  loginFailures: keys.loginFailures('*').pk,
} as const;

/**
 * Everything a function that removes connections touches: the connection, its rooms (membership and
 * presence), its slot; and the byUser index, whose partitions are USER#<username>.
 */
const connectionLifecycle = [items.connections, items.rooms, items.users];

/**
 * What finding a connection gone, or closing one, takes: read its rows (Query, GetItem), delete them
 * (BatchWriteItem, DeleteItem) and update its rooms' presence and counts (UpdateItem). Every function
 * that posts to connections may find one gone.
 */
const departures: readonly TableAction[] = ['GetItem', 'Query', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'];

/** Every function that tells a room something (a notice, a message, a departure) publishes to this queue. */
const publishes: readonly QueueName[] = ['publications'];

/**
 * What each function may do, and nothing more. The stack grants exactly this (`grantFunctionPermissions`);
 * test/infra asserts it. Stream reads for `connectionEvents` come from its DynamoDB event source, not
 * from this map. Login and refresh call Cognito's unauthenticated APIs (InitiateAuth, RevokeToken,
 * RespondToAuthChallenge, GlobalSignOut are authorized by the app client id and the tokens, not IAM).
 * A function that starts touching a new item family must add its pattern here, or DynamoDB refuses it
 * on AWS (the local stack does not evaluate IAM).
 */
export const functionPermissions: Readonly<Record<FunctionName, FunctionPermissions>> = {
  // Spends a one-time ticket with a conditional delete, and can reach no other item.
  authorizer: { tableActions: [], tickets: 'redeem', manageConnections: false },
  // Claims and releases per-user slots (PutItem, DeleteItem) and stores the connection (PutItem). At the
  // cap it probes older holders (GET @connections) and removes vanished ones, telling their rooms.
  connect: {
    tableActions: [...departures, 'PutItem'],
    leadingKeys: connectionLifecycle,
    manageConnections: true,
    sendsTo: publishes,
  },
  disconnect: {
    tableActions: departures,
    leadingKeys: connectionLifecycle,
    manageConnections: true,
    sendsTo: publishes,
  },
  // Every message route reads the caller and spends from its rate bucket (UpdateItem) and may close it
  // (a connection that kept sending while refused), removing its rows and telling its rooms.
  default: {
    tableActions: departures,
    leadingKeys: connectionLifecycle,
    manageConnections: true,
    sendsTo: publishes,
  },
  // Reads the room and the caller's standing (BatchGetItem), may create the room (and count the creation
  // on the user's RATE# item), writes the membership in a transaction with its checks, counts the user
  // into presence, reads the room's counter and, with `since`, its history, filling old holes (PutItem).
  joinRoom: {
    tableActions: [...departures, 'BatchGetItem', 'PutItem', 'TransactWriteItems', 'ConditionCheckItem'],
    leadingKeys: [...connectionLifecycle, items.history],
    manageConnections: true,
    sendsTo: publishes,
  },
  leaveRoom: {
    tableActions: [...departures, 'TransactWriteItems'],
    leadingKeys: connectionLifecycle,
    manageConnections: true,
    sendsTo: publishes,
  },
  // Spends from the caller's bucket, reads the membership and queues the message for the room's
  // sequencer, which numbers and stores it; a refusal reads the room.
  sendMessage: {
    tableActions: departures,
    leadingKeys: connectionLifecycle,
    manageConnections: true,
    sendsTo: publishes,
  },
  // Creates (and joins), updates, deletes and lists rooms (the byListing index); a deleted room's
  // partition is cleared (Query, BatchWriteItem) and its members' room counts updated.
  rooms: {
    tableActions: [...departures, 'BatchGetItem', 'PutItem', 'TransactWriteItems', 'ConditionCheckItem'],
    leadingKeys: [...connectionLifecycle, items.history, items.listing],
    manageConnections: true,
    sendsTo: publishes,
  },
  // Writes roles, invitations and bans; removes users from rooms; finds invitees' connections (byUser).
  moderation: {
    tableActions: [...departures, 'BatchGetItem', 'PutItem', 'TransactWriteItems'],
    leadingKeys: connectionLifecycle,
    manageConnections: true,
    sendsTo: publishes,
  },
  // Reads the room, the caller's standing and a page of presence.
  presence: {
    tableActions: [...departures, 'BatchGetItem'],
    leadingKeys: connectionLifecycle,
    manageConnections: true,
    sendsTo: publishes,
  },
  // Reads history (Query, GetItem), fills old holes (PutItem), marks deleted messages (UpdateItem).
  history: {
    tableActions: [...departures, 'BatchGetItem', 'PutItem'],
    leadingKeys: [...connectionLifecycle, items.history],
    manageConnections: true,
    sendsTo: publishes,
  },
  // Posts the welcome; a connection still gone after the retries is removed and its rooms told.
  connectionEvents: {
    tableActions: departures,
    leadingKeys: connectionLifecycle,
    manageConnections: true,
    connectionMethods: ['POST'],
    sendsTo: publishes,
  },
  // Reads the caller, spends from its rate bucket and rewrites its identity and its memberships' expiry
  // (Query of its rows, UpdateItem of each room side); spends a ticket when one is presented; answers or closes.
  reauth: {
    tableActions: departures,
    leadingKeys: connectionLifecycle,
    tickets: 'redeem',
    manageConnections: true,
    sendsTo: publishes,
  },
  // Takes rooms' next numbers (UpdateItem; in announcement rooms reading the room and the sender's
  // standing), records clients' message ids and stores messages (PutItem), forgets the record of one that
  // could not be stored (DeleteItem), reads member lists, spends from the post budget and sends large
  // rooms' frames to the shard workers. Posts only (and removes connections found gone).
  sequencer: {
    tableActions: [...departures, 'BatchGetItem', 'PutItem'],
    leadingKeys: [...connectionLifecycle, items.history, items.postBudget],
    manageConnections: true,
    connectionMethods: ['POST'],
    sendsTo: ['publications', 'deliveries'],
  },
  // Reads its shard of the member list, spends from the post budget (UpdateItem) and posts.
  shardDelivery: {
    tableActions: departures,
    leadingKeys: [...connectionLifecycle, items.postBudget],
    manageConnections: true,
    connectionMethods: ['POST'],
    sendsTo: publishes,
  },
  // Queries the bySweep index, marks notices (UpdateItem), removes connections and their rows and slots,
  // tells their rooms and closes them.
  sweeper: {
    tableActions: departures,
    leadingKeys: [...connectionLifecycle, items.sweepShards],
    manageConnections: true,
    sendsTo: publishes,
  },
  // Reads and rewrites the failed-login record of the username being tried, and nothing else.
  login: {
    tableActions: ['GetItem', 'PutItem'],
    leadingKeys: [items.loginFailures],
    manageConnections: false,
  },
  refresh: { tableActions: [], manageConnections: false },
  // Answers a new-password challenge: the session Cognito issued is the credential, nothing to count.
  password: { tableActions: [], manageConnections: false },
  // Writes a new ticket, and can reach no other item.
  ticket: { tableActions: [], tickets: 'issue', manageConnections: false },
  // Logging out everywhere finds the user's connections (byUser index), says why (closing frame), removes
  // their rows, tells their rooms and closes them.
  logout: {
    tableActions: departures,
    leadingKeys: connectionLifecycle,
    manageConnections: true,
    connectionMethods: ['POST', 'DELETE'],
    sendsTo: publishes,
  },
};

/** The resources the map's permissions are granted on. */
export interface PermissionTargets {
  readonly table: ITable;
  readonly stage: WebSocketStage;
  /** The secret holding the key tickets are sealed with. */
  readonly ticketKey: ISecret;
  readonly queues: Readonly<Record<QueueName, IQueue>>;
}

/** Table actions that can address an index; the others name one item of the base table. */
const indexActions: readonly TableAction[] = ['Query'];

/** Every ticket item (`TICKET#<sha256>` / `TICKET`), from the shared table layout. */
const ticketItems = [keys.ticket('*').pk];

/**
 * Grants one function what `functionPermissions` maps it to. One statement for the table actions: on
 * the base table, plus its indexes only for actions that can read one, with the item restriction as a
 * condition; one more for tickets. Not `table.grant()`, which cannot attach conditions; the table has
 * no customer-managed KMS key, so there is no key grant to miss.
 */
export function grantFunctionPermissions(
  name: FunctionName,
  grantee: IGrantable,
  { table, stage, ticketKey, queues }: PermissionTargets,
): void {
  const { tableActions, leadingKeys, tickets, manageConnections, connectionMethods, sendsTo } =
    functionPermissions[name];
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
  if (tickets) {
    Grant.addToPrincipal({
      grantee,
      actions: [tickets === 'issue' ? 'dynamodb:PutItem' : 'dynamodb:DeleteItem'],
      resourceArns: [table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ticketItems } },
    });
    // Not `grantRead()`, which adds DescribeSecret: reading the value is all the functions do.
    Grant.addToPrincipal({
      grantee,
      actions: ['secretsmanager:GetSecretValue'],
      resourceArns: [ticketKey.secretArn],
    });
  }
  if (!manageConnections) return;
  if (!connectionMethods) {
    stage.grantManagementApiAccess(grantee);
    return;
  }
  // As grantManagementApiAccess() builds it, with the method in place of its `*`.
  const api = Stack.of(stage.api).formatArn({ service: 'execute-api', resource: stage.api.apiId });
  Grant.addToPrincipal({
    grantee,
    actions: ['execute-api:ManageConnections'],
    resourceArns: connectionMethods.map((method) => `${api}/${stage.stageName}/${method}/@connections/*`),
  });
}
