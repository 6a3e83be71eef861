/**
 * Reads DynamoDB Local directly, so end-to-end tests assert what the handlers stored (or did not).
 * Scans are test-only: they prove that nothing at all was written.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../lambdas/adapters/table-layout.ts';
import { localCredentials } from '../../../local/dynamodb/dynamodb-local.ts';
import type { LocalStack } from '../../../local/local-stack.ts';

export type Item = Record<string, unknown>;

export type TableReader = ReturnType<typeof tableReader>;

export function tableReader(stack: Pick<LocalStack, 'dynamoEndpoint' | 'region' | 'tableName'>) {
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: stack.dynamoEndpoint,
      region: stack.region,
      credentials: localCredentials,
    }),
  );
  const TableName = stack.tableName;
  const query = async (pk: string, sortKeyPrefix?: string): Promise<Item[]> =>
    (
      await documents.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: sortKeyPrefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk, ...(sortKeyPrefix ? { ':prefix': sortKeyPrefix } : {}) },
          ConsistentRead: true,
        }),
      )
    ).Items ?? [];
  const scan = async (filter?: { expression: string; values: Record<string, unknown> }): Promise<Item[]> => {
    const items: Item[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(
        new ScanCommand({
          TableName,
          ConsistentRead: true,
          ExclusiveStartKey,
          ...(filter
            ? { FilterExpression: filter.expression, ExpressionAttributeValues: filter.values }
            : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  };
  return {
    /** The client itself, for a test that plays a failing writer. */
    documents,
    connection: async (connectionId: string) =>
      (
        await documents.send(
          new GetCommand({ TableName, Key: keys.connection(connectionId), ConsistentRead: true }),
        )
      ).Item,
    /** Everything in the connection's partition: the connection item and its membership items. */
    connectionRows: (connectionId: string) => query(keys.connectionPartition(connectionId)),
    /**
     * The room's membership items (pk = ROOM#<room>, sk CONN#…), each with the `connectionId` its sort
     * key names (the item holds only keys and expiries).
     */
    members: async (room: string) =>
      (await query(keys.roomPartition(room), keys.memberSortKeyPrefix)).map((item) => ({
        ...item,
        connectionId: String(item.sk).slice(keys.memberSortKeyPrefix.length),
      })),
    /** The room's presence items (pk = ROOM#<room>, sk PRES#…). */
    presence: (room: string) => query(keys.roomPartition(room), keys.presenceSortKeyPrefix),
    /** The user's connection-cap slots (USER#<userId> / SLOT#<n>). */
    slotsOf: (userId: string) => query(keys.userPartition(userId), 'SLOT#'),
    /** Every connection item. */
    allConnections: () => scan({ expression: 'sk = :sk', values: { ':sk': keys.connectionSortKey } }),
    /** The user's connection items. */
    connectionsOf: (userId: string) =>
      scan({
        expression: 'sk = :sk AND userId = :userId',
        values: { ':sk': keys.connectionSortKey, ':userId': userId },
      }),
    /** Ticket items (TICKET#<digest> / TICKET). */
    tickets: () => scan({ expression: 'sk = :sk', values: { ':sk': 'TICKET' } }),
    /** Every item, sorted by key: compare two snapshots to prove that nothing was written. */
    snapshot: async () => (await scan()).sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`)),
    destroy: () => documents.destroy(),
  };
}
