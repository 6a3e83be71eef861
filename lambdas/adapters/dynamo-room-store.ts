/**
 * Room membership in DynamoDB. Each membership is two items written in one transaction: the room side
 * (ROOM#room / CONN#id, so a room's members are one Query) and the connection side (CONN#id / ROOM#room,
 * so $disconnect finds a connection's rooms in one Query).
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock, JoinOutcome, LeaveOutcome, RoomMembership, RoomStore } from '../core/ports.ts';
import { queryPages } from './dynamo-query.ts';
import { keys } from './table-layout.ts';

/** Room-side attributes a broadcast needs; everything else stays on the server. */
const MEMBER_PROJECTION = 'room, connectionId, userId, username, joinedAt, tokenExpiresAt';

export class DynamoRoomStore implements RoomStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlSeconds: number,
    private readonly pageSize = 500,
    private readonly now: Clock = Date.now,
  ) {}

  async join(membership: RoomMembership): Promise<JoinOutcome> {
    const { room, connectionId } = membership;
    const expiresAt = Math.floor(membership.joinedAt / 1000) + this.ttlSeconds;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.tableName,
                Key: keys.connection(connectionId),
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.roomMember(room, connectionId), ...membership, expiresAt },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.roomOfConnection(connectionId, room),
                  room,
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
      if (reasons?.[0] === 'ConditionalCheckFailed') return 'connection-gone';
      if (reasons?.[1] === 'ConditionalCheckFailed') return 'already-member';
      throw error;
    }
  }

  async leave(room: string, connectionId: string): Promise<LeaveOutcome> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.tableName,
                Key: keys.roomMember(room, connectionId),
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
            { Delete: { TableName: this.tableName, Key: keys.roomOfConnection(connectionId, room) } },
          ],
        }),
      );
      return 'left';
    } catch (error) {
      if (cancellationReasons(error)?.[0] === 'ConditionalCheckFailed') return 'not-member';
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

  async *members(room: string): AsyncIterable<readonly RoomMembership[]> {
    const pages = queryPages(this.client, {
      TableName: this.tableName,
      // A key condition, not a filter: the room's other items (metadata, roles, presence …) are never read.
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :members)',
      // Revocation at expiry: a connection whose token has expired hears nothing more, with no extra read.
      FilterExpression: 'tokenExpiresAt > :now',
      ExpressionAttributeValues: {
        ':pk': keys.roomPartition(room),
        ':members': keys.memberSortKeyPrefix,
        ':now': Math.floor(this.now() / 1000),
      },
      ProjectionExpression: MEMBER_PROJECTION,
      Limit: this.pageSize,
    });
    for await (const items of pages) {
      yield items.map(
        (item): RoomMembership => ({
          room: String(item.room),
          connectionId: String(item.connectionId),
          userId: String(item.userId),
          username: String(item.username),
          joinedAt: Number(item.joinedAt),
          tokenExpiresAt: Number(item.tokenExpiresAt),
        }),
      );
    }
  }
}

/** The per-item cancellation codes of a cancelled transaction, in TransactItems order. */
function cancellationReasons(error: unknown): (string | undefined)[] | undefined {
  const isCancelled =
    error instanceof TransactionCanceledException ||
    (error as { name?: string })?.name === 'TransactionCanceledException';
  if (!isCancelled) return undefined;
  return ((error as TransactionCanceledException).CancellationReasons ?? []).map((reason) => reason.Code);
}
