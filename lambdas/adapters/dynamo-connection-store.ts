/**
 * Connections in DynamoDB: one item per connection plus, per room it joined, a connection-side
 * membership item in the same partition, so one Query finds everything a connection owns.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ConnectionRecord, ConnectionStore, RemovedConnection } from '../core/ports.ts';
import { deleteKeys } from './dynamo-batch.ts';
import { keys } from './table-layout.ts';

export interface ConnectionItem extends ConnectionRecord {
  readonly pk: string;
  readonly sk: string;
  readonly userPk: string;
  readonly userSk: string;
  /** DynamoDB TTL, epoch seconds. */
  readonly expiresAt: number;
}

export function toConnectionRecord(item: Record<string, unknown>): ConnectionRecord {
  return {
    connectionId: String(item.connectionId),
    userId: String(item.userId),
    username: String(item.username),
    groups: Array.isArray(item.groups) ? item.groups.map(String) : [],
    tokenExpiresAt: Number(item.tokenExpiresAt),
    connectedAt: Number(item.connectedAt),
  };
}

export class DynamoConnectionStore implements ConnectionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlSeconds: number,
  ) {}

  async save(connection: ConnectionRecord): Promise<void> {
    const item: ConnectionItem = {
      ...keys.connection(connection.connectionId),
      ...keys.connectionOfUser(connection.userId, connection.connectionId),
      ...connection,
      groups: [...connection.groups],
      expiresAt: Math.floor(connection.connectedAt / 1000) + this.ttlSeconds,
    };
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  async find(connectionId: string): Promise<ConnectionRecord | undefined> {
    const { Item } = await this.client.send(
      // Strongly consistent: a request can arrive milliseconds after $connect stored the connection.
      new GetCommand({ TableName: this.tableName, Key: keys.connection(connectionId), ConsistentRead: true }),
    );
    return Item ? toConnectionRecord(Item) : undefined;
  }

  async remove(connectionId: string): Promise<RemovedConnection> {
    let connection: ConnectionRecord | undefined;
    const rooms: string[] = [];
    const toDelete: Record<string, string>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.connectionPartition(connectionId) },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const sk = String(item.sk);
        toDelete.push({ pk: String(item.pk), sk });
        if (sk === keys.connectionSortKey) {
          connection = toConnectionRecord(item);
        } else if (sk.startsWith(keys.roomSortKeyPrefix)) {
          const room = sk.slice(keys.roomSortKeyPrefix.length);
          rooms.push(room);
          toDelete.push(keys.roomMember(room, connectionId));
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);

    await deleteKeys(this.client, this.tableName, toDelete);
    return { connection, rooms };
  }
}
