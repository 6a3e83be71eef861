import { Stack } from 'aws-cdk-lib';
import type { WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { keys } from '../lambdas/adapters/table-layout.ts';
import type { FunctionName } from '../lambdas/functions.ts';

/** The DynamoDB actions a Parley function may be granted, without the `dynamodb:` prefix. */
export type TableAction =
  | 'GetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem'
  | 'TransactWriteItems'
  | 'ConditionCheckItem';

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
}

export type ConnectionMethod = 'POST' | 'GET' | 'DELETE';

/** Partition-key patterns of the item families, from the shared table layout. */
const items = {
  /** A connection and its side of each membership. */
  connections: keys.connectionPartition('*'),
  /** A room's members (and, later, its other items). */
  rooms: keys.roomPartition('*'),
  /** Per-user connection slots; also the byUser index's partitions (USER#<username>). */
  users: keys.userPartition('*'),
  /** The bySweep index's partitions. */
  sweepShards: `${keys.sweepPartition(0).replace(/\d+$/, '')}*`,
  /** Failed-login records (password-guessing lockout). */
  loginFailures: keys.loginFailures('*').pk,
} as const;

/** Everything a function that removes connections touches: the connection, its rooms, its slot. */
const connectionLifecycle = [items.connections, items.rooms, items.users];

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
    tableActions: ['PutItem', 'DeleteItem', 'Query', 'BatchWriteItem'],
    leadingKeys: connectionLifecycle,
    manageConnections: true,
  },
  disconnect: {
    tableActions: ['Query', 'DeleteItem', 'BatchWriteItem'],
    leadingKeys: connectionLifecycle,
    manageConnections: true,
  },
  // Every message route reads the caller (GetItem) and spends from its rate bucket (UpdateItem).
  default: {
    tableActions: ['GetItem', 'UpdateItem'],
    leadingKeys: [items.connections],
    manageConnections: true,
  },
  joinRoom: {
    tableActions: [
      'GetItem',
      'UpdateItem',
      'Query',
      'PutItem',
      'DeleteItem',
      'BatchWriteItem',
      'TransactWriteItems',
      'ConditionCheckItem',
    ],
    leadingKeys: connectionLifecycle,
    manageConnections: true,
  },
  leaveRoom: {
    tableActions: ['GetItem', 'UpdateItem', 'Query', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'],
    leadingKeys: connectionLifecycle,
    manageConnections: true,
  },
  sendMessage: {
    tableActions: ['GetItem', 'UpdateItem', 'Query', 'DeleteItem', 'BatchWriteItem'],
    leadingKeys: connectionLifecycle,
    manageConnections: true,
  },
  // Posts the welcome; a connection still gone after the retries is removed and its rooms told (posts).
  connectionEvents: {
    tableActions: ['GetItem', 'Query', 'DeleteItem', 'BatchWriteItem'],
    leadingKeys: connectionLifecycle,
    manageConnections: true,
    connectionMethods: ['POST'],
  },
  // Reads the caller, spends from its rate bucket and rewrites its identity (UpdateItem); spends a
  // ticket when one is presented; answers or closes.
  reauth: {
    tableActions: ['GetItem', 'UpdateItem'],
    leadingKeys: [items.connections],
    tickets: 'redeem',
    manageConnections: true,
  },
  // Queries the bySweep index, marks notices (UpdateItem), removes connections and their rows and slots,
  // tells their rooms (Query) and closes them.
  sweeper: {
    tableActions: ['Query', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'],
    leadingKeys: [...connectionLifecycle, items.sweepShards],
    manageConnections: true,
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
    tableActions: ['Query', 'DeleteItem', 'BatchWriteItem'],
    leadingKeys: connectionLifecycle,
    manageConnections: true,
    connectionMethods: ['POST', 'DELETE'],
  },
};

/** The resources the map's permissions are granted on. */
export interface PermissionTargets {
  readonly table: ITable;
  readonly stage: WebSocketStage;
  /** The secret holding the key tickets are sealed with. */
  readonly ticketKey: ISecret;
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
  { table, stage, ticketKey }: PermissionTargets,
): void {
  const { tableActions, leadingKeys, tickets, manageConnections, connectionMethods } =
    functionPermissions[name];
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
