/**
 * Room membership and presence in DynamoDB.
 *
 * - A membership is two items written in one transaction with its checks: the room side
 *   (ROOM#room / CONN#id, so a room's members are one Query) and the connection side
 *   (CONN#id / ROOM#room, so $disconnect finds a connection's rooms in one Query). The transaction also
 *   checks the room's epoch (a join cannot land in a room deleted meanwhile) and counts the connection's
 *   rooms on its item (the per-connection room limit).
 * - Presence is one item per user in the room (ROOM#room / PRES#username) holding the set of that user's
 *   connection ids. Adding the first id and removing the last are single conditional updates, so "a
 *   user's first tab joined" and "their last tab left" are decided atomically, across every instance;
 *   the room item counts the users.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { shardRange } from '../core/member-shards.ts';
import type {
  Clock,
  JoinOutcome,
  LeaveOutcome,
  PresenceChange,
  PresentUser,
  RoomMembership,
  RoomStore,
} from '../core/ports.ts';
import { deleteKeys } from './dynamo-batch.ts';
import { cancellationReasons, isConditionFailure } from './dynamo-conditions.ts';
import { decodeCursor, encodeCursor } from './dynamo-cursor.ts';
import { queryPages } from './dynamo-query.ts';
import { keys } from './table-layout.ts';

/**
 * The room side of a membership holds nothing but its keys and the two expiries: every send reads a
 * room's member rows, and read units are billed by the bytes read (4 KB each), so each byte here is
 * paid once per member per message. Everything else about the membership is on the connection side.
 */
const RECIPIENT_PROJECTION = 'sk';

export class DynamoRoomStore implements RoomStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlSeconds: number,
    private readonly pageSize = 500,
    private readonly now: Clock = Date.now,
  ) {}

  async join(
    membership: RoomMembership,
    limits: { readonly epoch: string; readonly maxRoomsPerConnection: number },
  ): Promise<JoinOutcome> {
    const { room, connectionId } = membership;
    const expiresAt = Math.floor(membership.joinedAt / 1000) + this.ttlSeconds;
    const limited = limits.maxRoomsPerConnection > 0;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.tableName,
                Key: keys.room(room),
                ConditionExpression: 'epoch = :epoch',
                ExpressionAttributeValues: { ':epoch': limits.epoch },
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: keys.connection(connectionId),
                UpdateExpression: 'ADD rooms :one',
                ConditionExpression: limited
                  ? 'attribute_exists(pk) AND (attribute_not_exists(rooms) OR rooms < :max)'
                  : 'attribute_exists(pk)',
                ExpressionAttributeValues: {
                  ':one': 1,
                  ...(limited ? { ':max': limits.maxRoomsPerConnection } : {}),
                },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.roomMember(room, connectionId),
                  tokenExpiresAt: membership.tokenExpiresAt,
                  expiresAt,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.roomOfConnection(connectionId, room),
                  room,
                  epoch: limits.epoch,
                  joinedAt: membership.joinedAt,
                  expiresAt,
                },
              },
            },
          ],
        }),
      );
      return 'joined';
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      if (reasons[2]?.code === 'ConditionalCheckFailed') return 'already-member';
      if (reasons[0]?.code === 'ConditionalCheckFailed') return 'room-changed';
      if (reasons[1]?.code === 'ConditionalCheckFailed')
        return reasons[1].item ? 'room-limit' : 'connection-gone';
      throw error;
    }
  }

  async leave(room: string, connectionId: string): Promise<LeaveOutcome> {
    const removeRows = [
      {
        Delete: {
          TableName: this.tableName,
          Key: keys.roomMember(room, connectionId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      { Delete: { TableName: this.tableName, Key: keys.roomOfConnection(connectionId, room) } },
    ];
    const uncount = {
      Update: {
        TableName: this.tableName,
        Key: keys.connection(connectionId),
        UpdateExpression: 'ADD rooms :minusOne',
        // Never recreate a connection item that $disconnect removed meanwhile.
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':minusOne': -1 },
      },
    };
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: [...removeRows, uncount] }));
      return 'left';
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons?.[0]?.code === 'ConditionalCheckFailed') return 'not-member';
      if (reasons?.[2]?.code !== 'ConditionalCheckFailed') throw error;
    }
    // The connection item is gone (its $disconnect is running): remove the membership alone.
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: removeRows }));
      return 'left';
    } catch (error) {
      if (cancellationReasons(error)?.[0]?.code === 'ConditionalCheckFailed') return 'not-member';
      throw error;
    }
  }

  async isMember(room: string, connectionId: string): Promise<boolean> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.roomMember(room, connectionId),
        ProjectionExpression: 'pk',
        ConsistentRead: true,
      }),
    );
    return Item !== undefined;
  }

  async membershipOf(room: string, connectionId: string): Promise<{ readonly epoch: string } | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        // The connection side: it holds the epoch, so the room side, read on every send, need not.
        Key: keys.roomOfConnection(connectionId, room),
        ProjectionExpression: 'epoch',
        // A send can follow its join by milliseconds.
        ConsistentRead: true,
      }),
    );
    return Item ? { epoch: String(Item.epoch) } : undefined;
  }

  async *recipients(
    room: string,
    options: { readonly shard?: number; readonly pageSize?: number } = {},
  ): AsyncIterable<readonly string[]> {
    const range = options.shard === undefined ? undefined : shardRange(options.shard);
    const prefix = keys.memberSortKeyPrefix;
    const pages = queryPages(this.client, {
      TableName: this.tableName,
      // A key condition, not a filter: the room's other items (metadata, roles, presence …) are never read.
      KeyConditionExpression: range
        ? 'pk = :pk AND sk BETWEEN :from AND :to'
        : 'pk = :pk AND begins_with(sk, :members)',
      // Revocation at expiry: a connection whose token has expired hears nothing more, with no extra read.
      FilterExpression: 'tokenExpiresAt > :now',
      ExpressionAttributeValues: {
        ':pk': keys.roomPartition(room),
        ':now': Math.floor(this.now() / 1000),
        ...(range
          ? {
              ':from': `${prefix}${range.from ?? ''}`,
              // The first key after every member key: the prefix with its last character's successor.
              ':to': range.to !== undefined ? `${prefix}${range.to}` : keys.memberSortKeyEnd,
            }
          : { ':members': prefix }),
      },
      ProjectionExpression: RECIPIENT_PROJECTION,
      // Strongly consistent: a member whose join finished before this read hears the message.
      ConsistentRead: true,
      Limit: options.pageSize ?? this.pageSize,
    });
    for await (const items of pages) {
      yield items.map((item) => String(item.sk).slice(prefix.length));
    }
  }

  async addPresence(
    room: string,
    who: { readonly userId: string; readonly username: string },
    connectionId: string,
    now: number,
    maxMembers: number,
  ): Promise<PresenceChange | 'full'> {
    const { Attributes: before } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.presence(room, who.username),
        UpdateExpression:
          'ADD connections :connection SET userId = :userId, username = :username, since = if_not_exists(since, :now), expiresAt = :expiresAt',
        ExpressionAttributeValues: {
          ':connection': new Set([connectionId]),
          ':userId': who.userId,
          ':username': who.username,
          ':now': now,
          ':expiresAt': Math.floor(now / 1000) + this.ttlSeconds,
        },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    const firstConnection = !(before?.connections instanceof Set) || before.connections.size === 0;
    if (!firstConnection) return { userChanged: false, members: await this.countOf(room) };
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.room(room),
          UpdateExpression: 'ADD members :one',
          ConditionExpression:
            maxMembers > 0
              ? 'attribute_exists(pk) AND (attribute_not_exists(members) OR members < :max)'
              : 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1, ...(maxMembers > 0 ? { ':max': maxMembers } : {}) },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return { userChanged: true, members: Number(Attributes?.members ?? 1) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Full: take the connection back out without counting the user out (they were never counted in).
      await this.dropFromPresence(room, who.username, connectionId);
      return 'full';
    }
  }

  async removePresence(room: string, username: string, connectionId: string): Promise<PresenceChange> {
    const emptied = await this.dropFromPresence(room, username, connectionId);
    if (!emptied) return { userChanged: false, members: await this.countOf(room) };
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.room(room),
          UpdateExpression: 'ADD members :minusOne',
          // A deleted room has no count to keep; never recreate it as a stub.
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':minusOne': -1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return { userChanged: true, members: Number(Attributes?.members ?? 0) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { userChanged: true, members: 0 };
    }
  }

  /**
   * Removes a connection id from its user's presence item; true when that left the set empty and this
   * call deleted the item. Of two concurrent removals of the last ids, exactly one deletes the item (the
   * delete is conditional on the item existing with no connections), so a user is counted out once.
   */
  private async dropFromPresence(room: string, username: string, connectionId: string): Promise<boolean> {
    const key = keys.presence(room, username);
    let after: Record<string, unknown> | undefined;
    try {
      ({ Attributes: after } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'DELETE connections :connection',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':connection': new Set([connectionId]) },
          ReturnValues: 'ALL_NEW',
        }),
      ));
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
    if (after?.connections instanceof Set && after.connections.size > 0) return false;
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: key,
          // A tab joining meanwhile re-added a connection: the user stays.
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(connections)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async presence(
    room: string,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ readonly users: readonly PresentUser[]; readonly cursor?: string } | 'bad-cursor'> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (after === null) return 'bad-cursor';
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :presence)',
        ExpressionAttributeValues: {
          ':pk': keys.roomPartition(room),
          ':presence': keys.presenceSortKeyPrefix,
        },
        ...(after !== undefined ? { ExclusiveStartKey: keys.presence(room, after) } : {}),
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    const users = (page.Items ?? []).map(
      (item): PresentUser => ({
        userId: String(item.userId),
        username: String(item.username),
        connections: item.connections instanceof Set ? item.connections.size : 0,
        since: Number(item.since),
      }),
    );
    const last = page.LastEvaluatedKey?.sk;
    return typeof last === 'string'
      ? { users, cursor: encodeCursor(last.slice(keys.presenceSortKeyPrefix.length)) }
      : { users };
  }

  async presentUser(
    room: string,
    username: string,
  ): Promise<{ readonly userId: string; readonly connections: readonly string[] } | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.presence(room, username),
        ProjectionExpression: 'userId, connections',
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    const connections = Item.connections instanceof Set ? [...Item.connections].map(String) : [];
    return { userId: String(Item.userId), connections };
  }

  async clear(room: string): Promise<readonly string[]> {
    const toDelete: Record<string, string>[] = [];
    const connections: string[] = [];
    const pages = queryPages(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.roomPartition(room) },
      ProjectionExpression: 'pk, sk',
      ConsistentRead: true,
    });
    for await (const items of pages) {
      for (const item of items) {
        const sk = String(item.sk);
        // The room item and its counter are removed by the directory, conditionally on the epoch.
        if (sk === keys.room(room).sk || sk === keys.roomSequence(room).sk) continue;
        toDelete.push({ pk: String(item.pk), sk });
        if (sk.startsWith(keys.memberSortKeyPrefix)) {
          const connectionId = sk.slice(keys.memberSortKeyPrefix.length);
          connections.push(connectionId);
          toDelete.push(keys.roomOfConnection(connectionId, room));
        }
      }
    }
    await deleteKeys(this.client, this.tableName, toDelete);
    await Promise.all(
      connections.map(async (connectionId) => {
        try {
          await this.client.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: keys.connection(connectionId),
              UpdateExpression: 'ADD rooms :minusOne',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':minusOne': -1 },
            }),
          );
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      }),
    );
    return connections;
  }

  /** Users in the room, for replies that show it; eventually consistent is enough for a display. */
  private async countOf(room: string): Promise<number> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.room(room), ProjectionExpression: 'members' }),
    );
    return Number(Item?.members ?? 0);
  }
}
