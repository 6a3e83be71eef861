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
   * Granted on the table and its indexes (`table/…` and `table/…/index/*`). Inside a transaction IAM
   * checks each item's own action (Put → PutItem, Delete → DeleteItem, ConditionCheck →
   * ConditionCheckItem), so a function that writes transactionally needs those too.
   */
  readonly tableActions: readonly TableAction[];
  /** `execute-api:ManageConnections` on the WebSocket stage: post to, inspect and close connections. */
  readonly manageConnections: boolean;
}

/**
 * What each function may do, and nothing more. The stack grants exactly this; test/infra asserts it.
 * Stream reads for `connectionEvents` come from its DynamoDB event source, not from this map.
 * The authorizer, login and refresh touch no table: login and refresh call Cognito's public
 * InitiateAuth, which needs no IAM permission for an app client without a secret.
 */
export const functionPermissions: Readonly<Record<FunctionName, FunctionPermissions>> = {
  authorizer: { tableActions: [], manageConnections: false },
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
  login: { tableActions: [], manageConnections: false },
  refresh: { tableActions: [], manageConnections: false },
};
