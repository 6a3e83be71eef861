import type { WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
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
   * @default - every item of the table
   */
  readonly leadingKeys?: readonly string[];
  /** `execute-api:ManageConnections` on the WebSocket stage: post to, inspect and close connections. */
  readonly manageConnections: boolean;
}

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
  connect: { tableActions: ['PutItem', 'DeleteItem', 'Query', 'BatchWriteItem'], manageConnections: true },
  disconnect: { tableActions: ['Query', 'DeleteItem', 'BatchWriteItem'], manageConnections: true },
  // Every message route reads the caller (GetItem) and spends from its rate bucket (UpdateItem).
  default: { tableActions: ['GetItem', 'UpdateItem'], manageConnections: true },
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
    manageConnections: true,
  },
  leaveRoom: {
    tableActions: ['GetItem', 'UpdateItem', 'Query', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'],
    manageConnections: true,
  },
  sendMessage: {
    tableActions: ['GetItem', 'UpdateItem', 'Query', 'DeleteItem', 'BatchWriteItem'],
    manageConnections: true,
  },
  connectionEvents: {
    tableActions: ['GetItem', 'Query', 'DeleteItem', 'BatchWriteItem'],
    manageConnections: true,
  },
  // Reads the caller, spends from its rate bucket and rewrites its identity (UpdateItem); answers or closes.
  reauth: { tableActions: ['GetItem', 'UpdateItem'], manageConnections: true },
  // Queries the bySweep index, marks notices (UpdateItem), removes connections and their rows and slots,
  // tells their rooms (Query) and closes them.
  sweeper: { tableActions: ['Query', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'], manageConnections: true },
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
  { table, stage }: PermissionTargets,
): void {
  const { tableActions, leadingKeys, manageConnections } = functionPermissions[name];
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
