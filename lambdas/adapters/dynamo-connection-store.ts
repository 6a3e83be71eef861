/**
 * Connections in DynamoDB: one item per connection plus, per room it joined, a connection-side
 * membership item in the same partition, so one Query finds everything a connection owns.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { MAX_CONNECTION_SECONDS } from '../core/connection-limits.ts';
import type { Identity } from '../core/identity.ts';
import type { ConnectionRecord, ConnectionStore, RemovedConnection } from '../core/ports.ts';
import { deleteKeys } from './dynamo-batch.ts';
import { isConditionFailure } from './dynamo-conditions.ts';
import { DynamoConnectionSlots } from './dynamo-connection-slots.ts';
import { queryPages } from './dynamo-query.ts';
import { keys, SWEEP_SHARDS } from './table-layout.ts';

export interface ConnectionItem extends ConnectionRecord {
  readonly pk: string;
  readonly sk: string;
  readonly userPk: string;
  readonly userSk: string;
  readonly sweepPk: string;
  readonly sweepSk: string;
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
    ...(typeof item.slot === 'number' ? { slot: item.slot } : {}),
  };
}

/** When the sweeper must look at a connection: its token expires, or API Gateway's 2-hour limit passes. */
export function sweepTimeOf(connection: Pick<ConnectionRecord, 'tokenExpiresAt' | 'connectedAt'>): number {
  return Math.min(
    connection.tokenExpiresAt,
    Math.floor(connection.connectedAt / 1000) + MAX_CONNECTION_SECONDS,
  );
}

export class DynamoConnectionStore implements ConnectionStore {
  private readonly slots: DynamoConnectionSlots;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlSeconds: number,
  ) {
    this.slots = new DynamoConnectionSlots(client, tableName, ttlSeconds);
  }

  async save(connection: ConnectionRecord): Promise<void> {
    const item: ConnectionItem = {
      ...keys.connection(connection.connectionId),
      ...keys.connectionOfUser(connection.username, connection.connectionId),
      ...keys.sweep(connection.connectionId, sweepTimeOf(connection)),
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
    const pages = queryPages(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.connectionPartition(connectionId) },
      ConsistentRead: true,
    });
    for await (const items of pages) {
      for (const item of items) {
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
    }

    await deleteKeys(this.client, this.tableName, toDelete);
    if (connection?.slot !== undefined)
      await this.slots.release(connection.userId, connection.slot, connectionId);
    return { connection, rooms };
  }

  async updateIdentity(
    connection: ConnectionRecord,
    identity: Identity,
  ): Promise<{ readonly rooms: readonly string[] } | 'gone'> {
    const { connectionId } = connection;
    const sweep = keys.sweep(
      connectionId,
      sweepTimeOf({ ...connection, tokenExpiresAt: identity.tokenExpiresAt }),
    );
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.connection(connectionId),
          UpdateExpression:
            'SET tokenExpiresAt = :expiresAt, username = :username, groups = :groups, sweepSk = :sweepSk REMOVE reauthNoticeFor',
          ConditionExpression: 'attribute_exists(pk) AND userId = :userId',
          ExpressionAttributeValues: {
            ':expiresAt': identity.tokenExpiresAt,
            ':username': identity.username,
            ':groups': [...identity.groups],
            ':sweepSk': sweep.sweepSk,
            ':userId': identity.userId,
          },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return 'gone';
      throw error;
    }
    return { rooms: await this.extendMemberships(connectionId, identity.tokenExpiresAt) };
  }

  /** Moves the token expiry on the room side of each of the connection's memberships; returns the rooms. */
  private async extendMemberships(connectionId: string, tokenExpiresAt: number): Promise<string[]> {
    const rooms: string[] = [];
    const pages = queryPages(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :rooms)',
      ExpressionAttributeValues: {
        ':pk': keys.connectionPartition(connectionId),
        ':rooms': keys.roomSortKeyPrefix,
      },
      ProjectionExpression: 'room',
      ConsistentRead: true,
    });
    for await (const items of pages) {
      rooms.push(...items.map((item) => String(item.room)));
      await Promise.all(
        items.map(async (item) => {
          try {
            await this.client.send(
              new UpdateCommand({
                TableName: this.tableName,
                Key: keys.roomMember(String(item.room), connectionId),
                UpdateExpression: 'SET tokenExpiresAt = :expiresAt',
                // A membership left meanwhile must not be recreated as a stub.
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeValues: { ':expiresAt': tokenExpiresAt },
              }),
            );
          } catch (error) {
            if (!isConditionFailure(error)) throw error;
          }
        }),
      );
    }
    return rooms;
  }

  async markReauthNotice(connectionId: string, tokenExpiresAt: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.connection(connectionId),
          UpdateExpression: 'SET reauthNoticeFor = :expiresAt',
          // Once per token: a reauth in between changes tokenExpiresAt and the notice is due again later.
          ConditionExpression:
            'attribute_exists(pk) AND tokenExpiresAt = :expiresAt AND (attribute_not_exists(reauthNoticeFor) OR reauthNoticeFor <> :expiresAt)',
          ExpressionAttributeValues: { ':expiresAt': tokenExpiresAt },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async *ofUser(username: string): AsyncIterable<readonly ConnectionRecord[]> {
    const pages = queryPages(this.client, {
      TableName: this.tableName,
      IndexName: 'byUser',
      KeyConditionExpression: 'userPk = :user',
      ExpressionAttributeValues: { ':user': keys.connectionsOfUser(username) },
    });
    for await (const items of pages) yield items.map(toConnectionRecord);
  }

  async *due(until: number): AsyncIterable<readonly ConnectionRecord[]> {
    for (let shard = 0; shard < SWEEP_SHARDS; shard++) {
      const pages = queryPages(this.client, {
        TableName: this.tableName,
        IndexName: 'bySweep',
        KeyConditionExpression: 'sweepPk = :shard AND sweepSk < :bound',
        ExpressionAttributeValues: { ':shard': keys.sweepPartition(shard), ':bound': keys.sweepBound(until) },
      });
      for await (const items of pages) yield items.map(toConnectionRecord);
    }
  }
}
