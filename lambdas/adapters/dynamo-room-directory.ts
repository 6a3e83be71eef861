/**
 * Rooms and standings in DynamoDB (items in lambdas/adapters/table-layout.ts):
 * - the room item ROOM#room / META: title, visibility, posting, owner, epoch, user count, and `access`,
 *   the usernames that may see the room in a listing while it is private (owner, moderators, invited);
 *   it carries the sparse `byListing` keys, so listing rooms is one Query of that index;
 * - the sequence counter ROOM#room / SEQ (epoch, last seq, posting policy): created and removed with
 *   the room, kept apart because every send writes it and it must stay small;
 * - ROLE#, INVITE# and BAN# items per username.
 */
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Ban, RoomChanges, RoomDirectory, RoomRecord } from '../core/ports.ts';
import { ROOM_NAME_PATTERN } from '../core/room-name.ts';
import type { Standing } from '../core/room-policy.ts';
import { cancellationReasons, isConditionFailure } from './dynamo-conditions.ts';
import { decodeCursor, encodeCursor } from './dynamo-cursor.ts';
import { keys } from './table-layout.ts';

export function toRoomRecord(item: Record<string, unknown>): RoomRecord {
  return {
    room: String(item.room),
    title: String(item.title ?? item.room),
    visibility: item.visibility === 'private' ? 'private' : 'public',
    posting: item.posting === 'moderators' ? 'moderators' : 'everyone',
    owner: String(item.owner),
    epoch: String(item.epoch),
    members: Math.max(0, Number(item.members ?? 0)),
    createdAt: Number(item.createdAt),
  };
}

export class DynamoRoomDirectory implements RoomDirectory {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async describe(room: string): Promise<RoomRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.room(room), ConsistentRead: true }),
    );
    return Item ? toRoomRecord(Item) : undefined;
  }

  async create(record: RoomRecord): Promise<'created' | 'exists'> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.room(record.room),
                  ...keys.roomListing(record.room),
                  ...record,
                  members: 0,
                  access: new Set([record.owner]),
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.roomSequence(record.room),
                  epoch: record.epoch,
                  seq: 0,
                  seqAt: record.createdAt,
                  posting: record.posting,
                },
              },
            },
          ],
        }),
      );
      return 'created';
    } catch (error) {
      if (cancellationReasons(error)?.[0]?.code === 'ConditionalCheckFailed') return 'exists';
      throw error;
    }
  }

  async update(room: string, epoch: string, changes: RoomChanges): Promise<RoomRecord | 'gone'> {
    const names = Object.keys(changes) as (keyof RoomChanges)[];
    let updated: Record<string, unknown> | undefined;
    try {
      ({ Attributes: updated } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.room(room),
          UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')}`,
          ConditionExpression: 'epoch = :epoch',
          ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
          ExpressionAttributeValues: {
            ':epoch': epoch,
            ...Object.fromEntries(names.map((name) => [`:${name}`, changes[name]])),
          },
          ReturnValues: 'ALL_NEW',
        }),
      ));
    } catch (error) {
      if (isConditionFailure(error)) return 'gone';
      throw error;
    }
    if (changes.posting !== undefined) {
      // Sends read the posting policy from the counter they update; keep it in step.
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.roomSequence(room),
          UpdateExpression: 'SET posting = :posting',
          ConditionExpression: 'epoch = :epoch',
          ExpressionAttributeValues: { ':posting': changes.posting, ':epoch': epoch },
        }),
      );
    }
    return toRoomRecord(updated ?? {});
  }

  async remove(room: string, epoch: string): Promise<'removed' | 'gone'> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.tableName,
                Key: keys.room(room),
                ConditionExpression: 'epoch = :epoch',
                ExpressionAttributeValues: { ':epoch': epoch },
              },
            },
            { Delete: { TableName: this.tableName, Key: keys.roomSequence(room) } },
          ],
        }),
      );
      return 'removed';
    } catch (error) {
      if (cancellationReasons(error)?.[0]?.code === 'ConditionalCheckFailed') return 'gone';
      throw error;
    }
  }

  async list(
    viewer: { readonly username: string; readonly seesPrivate: boolean },
    cursor: string | undefined,
    limit: number,
  ): Promise<{ readonly rooms: readonly RoomRecord[]; readonly cursor?: string } | 'bad-cursor'> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (after === null || (after !== undefined && !ROOM_NAME_PATTERN.test(after))) return 'bad-cursor';
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byListing',
        KeyConditionExpression: 'listPk = :rooms',
        ...(viewer.seesPrivate
          ? { ExpressionAttributeValues: { ':rooms': keys.listingPartition } }
          : {
              FilterExpression: 'visibility = :public OR contains(#access, :viewer)',
              ExpressionAttributeNames: { '#access': 'access' },
              ExpressionAttributeValues: {
                ':rooms': keys.listingPartition,
                ':public': 'public',
                ':viewer': viewer.username,
              },
            }),
        ...(after !== undefined
          ? { ExclusiveStartKey: { ...keys.room(after), ...keys.roomListing(after) } }
          : {}),
        Limit: limit,
      }),
    );
    const rooms = (page.Items ?? []).map(toRoomRecord);
    const last = page.LastEvaluatedKey?.listSk;
    return typeof last === 'string' ? { rooms, cursor: encodeCursor(last) } : { rooms };
  }

  async standingOf(room: string, username: string): Promise<Standing> {
    const wanted = [keys.roomRole(room, username), keys.invitation(room, username), keys.ban(room, username)];
    const { Responses } = await this.client.send(
      new BatchGetCommand({
        RequestItems: { [this.tableName]: { Keys: wanted, ConsistentRead: true } },
      }),
    );
    const found = new Map((Responses?.[this.tableName] ?? []).map((item) => [String(item.sk), item]));
    const ban = found.get(keys.ban(room, username).sk);
    return {
      moderator: found.has(keys.roomRole(room, username).sk),
      invited: found.has(keys.invitation(room, username).sk),
      ...(ban ? { bannedUntil: ban.until === undefined ? Number.POSITIVE_INFINITY : Number(ban.until) } : {}),
    };
  }

  async setModerator(room: string, username: string, moderator: boolean): Promise<void> {
    if (moderator) {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.roomRole(room, username), role: 'moderator' },
        }),
      );
      await this.grantAccess(room, username, true);
      return;
    }
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: keys.roomRole(room, username) }),
    );
    const standing = await this.standingOf(room, username);
    if (!standing.invited) await this.grantAccess(room, username, false);
  }

  async setInvited(room: string, username: string, invited: boolean, by: string): Promise<void> {
    if (invited) {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: { ...keys.invitation(room, username), by } }),
      );
      await this.grantAccess(room, username, true);
      return;
    }
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: keys.invitation(room, username) }),
    );
    const standing = await this.standingOf(room, username);
    if (!standing.moderator) await this.grantAccess(room, username, false);
  }

  async setBan(room: string, username: string, ban: Ban | undefined): Promise<void> {
    if (!ban) {
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.ban(room, username) }));
      return;
    }
    const ends = Number.isFinite(ban.until);
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.ban(room, username),
          reason: ban.reason,
          by: ban.by,
          // A timed ban is also swept by TTL once over; reads compare `until` themselves.
          ...(ends ? { until: ban.until, expiresAt: Math.ceil(ban.until / 1000) } : {}),
        },
      }),
    );
  }

  async claimOccupancy(room: string, now: number, intervalMs: number): Promise<'now' | 'later' | 'none'> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.room(room),
          UpdateExpression: 'SET occupancyAt = :now',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(occupancyAt) OR occupancyAt <= :due)',
          ExpressionAttributeValues: { ':now': now, ':due': now - intervalMs },
        }),
      );
      return 'now';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.room(room),
          UpdateExpression: 'SET occupancyLater = :now',
          // A claim older than a few intervals belongs to an invocation that died; take it over.
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(occupancyLater) OR occupancyLater <= :stale)',
          ExpressionAttributeValues: { ':now': now, ':stale': now - 5 * intervalMs },
        }),
      );
      return 'later';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return 'none';
    }
  }

  async releaseOccupancy(room: string, now: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.room(room),
          UpdateExpression: 'SET occupancyAt = :now REMOVE occupancyLater',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':now': now },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** Adds or removes a username in the set that decides who sees a private room in listings. */
  private async grantAccess(room: string, username: string, granted: boolean): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.room(room),
          UpdateExpression: `${granted ? 'ADD' : 'DELETE'} #access :username`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#access': 'access' },
          ExpressionAttributeValues: { ':username': new Set([username]) },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
