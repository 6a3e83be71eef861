/**
 * Room numbering and message history in DynamoDB (items in table-layout.ts):
 * - ROOM#room / SEQ holds the epoch, the last number, when it was taken, the posting policy and the
 *   room's publish bucket (`tat`, GCRA as in lambdas/core/rate-limit.ts). Taking a number is one
 *   conditional update that checks all four at once; a second only when the room is sending faster
 *   than its interval (within its burst), the way the connection's bucket works.
 * - HIST#room#epoch / S#<seq> holds each message or its tombstone, written only if the number is
 *   free (`attribute_not_exists`), so a tombstone and a late message can never overwrite each other.
 * - HIST#room#epoch / C#<userId>#<clientMsgId> records which message a client's send became.
 * Every history item carries `expiresAt` (the retention) for DynamoDB TTL, and reads filter expired
 * items themselves, because TTL deletes lazily.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  HistoryRecord,
  MessageHistory,
  MessageRecord,
  NumberRefusal,
  RoomSequence,
  SentMessage,
} from '../core/ports.ts';
import { gcraParameters, type RateLimit } from '../core/rate-limit.ts';
import { fail, ok, type Result } from '../core/result.ts';
import { isConditionFailure } from './dynamo-conditions.ts';
import { keys } from './table-layout.ts';

export interface MessageHistoryProps {
  /** Days a message is kept; 0 keeps none (the numbering still runs). */
  readonly retentionDays: number;
  /** The room's publish rate; undefined for none. */
  readonly roomRate: RateLimit | undefined;
}

export function toHistoryRecord(item: Record<string, unknown>): HistoryRecord {
  const seq = Number(item.seq);
  const sentAt = Number(item.sentAt);
  if (item.deleted === true) {
    return { seq, deleted: true, sentAt, ...(typeof item.by === 'string' ? { by: item.by } : {}) };
  }
  return {
    seq,
    id: String(item.id),
    content: String(item.content),
    userId: String(item.userId),
    username: String(item.username),
    sentAt,
    ...(typeof item.clientMsgId === 'string' ? { clientMsgId: item.clientMsgId } : {}),
  };
}

export class DynamoMessageHistory implements MessageHistory {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly props: MessageHistoryProps,
  ) {}

  async sequence(room: string): Promise<RoomSequence | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.roomSequence(room),
        ProjectionExpression: 'epoch, seq, seqAt, sharded',
        ConsistentRead: true,
      }),
    );
    return Item ? toSequence(Item) : undefined;
  }

  async nextNumber(
    room: string,
    epoch: string,
    options: { readonly privileged: boolean; readonly now: number },
  ): Promise<Result<RoomSequence, NumberRefusal>> {
    const { now, privileged } = options;
    const rules = ['epoch = :epoch', ...(privileged ? [] : ['posting = :everyone'])];
    const values: Record<string, unknown> = {
      ':epoch': epoch,
      ':one': 1,
      ':now': now,
      ...(privileged ? {} : { ':everyone': 'everyone' }),
    };
    const rate = this.props.roomRate ? gcraParameters(this.props.roomRate, now) : undefined;
    const first = await this.take(room, {
      update: `SET seqAt = :now${rate ? ', tat = :tat' : ''} ADD seq :one`,
      condition: [...rules, ...(rate ? ['(attribute_not_exists(tat) OR tat < :now)'] : [])].join(' AND '),
      values: { ...values, ...(rate ? { ':tat': rate.idleTat } : {}) },
    });
    if (first.success) return first;
    const old = first.error;
    if (!old || old.epoch?.S !== epoch) return fail({ reason: 'RoomChanged' });
    if (!privileged && old.posting?.S !== 'everyone') return fail({ reason: 'ModeratorsOnly' });
    if (!rate) return fail({ reason: 'RoomChanged' });
    const tat = Number(old.tat?.N ?? Number.NaN);
    if (tat <= rate.latestAdmissibleTat) {
      const second = await this.take(room, {
        update: 'SET seqAt = :now, tat = tat + :interval ADD seq :one',
        condition: [...rules, 'tat <= :latest'].join(' AND '),
        values: { ...values, ':interval': rate.intervalMs, ':latest': rate.latestAdmissibleTat },
      });
      if (second.success) return second;
    }
    return fail({ reason: 'RoomBusy', retryAfterMs: Number.isFinite(tat) ? rate.retryAfterMs(tat) : 1 });
  }

  /** One conditional update of the counter; the new state, or the old item in wire form. */
  private async take(
    room: string,
    input: { update: string; condition: string; values: Record<string, unknown> },
  ): Promise<Result<RoomSequence, Record<string, { S?: string; N?: string }> | undefined>> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.roomSequence(room),
          UpdateExpression: input.update,
          ConditionExpression: input.condition,
          ExpressionAttributeValues: input.values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return ok(toSequence(Attributes ?? {}));
    } catch (error) {
      if (isConditionFailure(error))
        return fail(error.Item as Record<string, { S?: string; N?: string }> | undefined);
      throw error;
    }
  }

  async recordSent(
    room: string,
    epoch: string,
    userId: string,
    clientMsgId: string,
    sent: SentMessage,
    now: number,
  ): Promise<Result<undefined, SentMessage>> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.sentMessage(room, epoch, userId, clientMsgId),
            seq: sent.seq,
            id: sent.id,
            sentAt: sent.sentAt,
            expiresAt: this.expiresAt(now),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return ok(undefined);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const old = error.Item as
        | { seq?: { N?: string }; id?: { S?: string }; sentAt?: { N?: string } }
        | undefined;
      return fail({ seq: Number(old?.seq?.N), id: String(old?.id?.S), sentAt: Number(old?.sentAt?.N) });
    }
  }

  async forgetSent(room: string, epoch: string, userId: string, clientMsgId: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: keys.sentMessage(room, epoch, userId, clientMsgId),
      }),
    );
  }

  async store(room: string, epoch: string, message: MessageRecord): Promise<'stored' | 'taken'> {
    return this.putIfFree({
      ...keys.message(room, epoch, message.seq),
      ...message,
      expiresAt: this.expiresAt(message.sentAt),
    });
  }

  async fillHole(room: string, epoch: string, seq: number, now: number): Promise<'filled' | 'taken'> {
    const outcome = await this.putIfFree({
      ...keys.message(room, epoch, seq),
      seq,
      deleted: true,
      sentAt: now,
      expiresAt: this.expiresAt(now),
    });
    return outcome === 'stored' ? 'filled' : 'taken';
  }

  private async putIfFree(item: Record<string, unknown>): Promise<'stored' | 'taken'> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'stored';
    } catch (error) {
      if (isConditionFailure(error)) return 'taken';
      throw error;
    }
  }

  async markDeleted(room: string, epoch: string, seq: number, by: string): Promise<'deleted' | 'absent'> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.message(room, epoch, seq),
          UpdateExpression: 'SET deleted = :true, #by = :by REMOVE content, clientMsgId',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deleted)',
          ExpressionAttributeNames: { '#by': 'by' },
          ExpressionAttributeValues: { ':true': true, ':by': by },
        }),
      );
      return 'deleted';
    } catch (error) {
      if (isConditionFailure(error)) return 'absent';
      throw error;
    }
  }

  async markSharded(room: string, epoch: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.roomSequence(room),
          UpdateExpression: 'SET sharded = :yes',
          // A room deleted meanwhile starts its next epoch unsharded.
          ConditionExpression: 'epoch = :epoch',
          ExpressionAttributeValues: { ':yes': true, ':epoch': epoch },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async get(room: string, epoch: string, seq: number): Promise<HistoryRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.message(room, epoch, seq),
        ConsistentRead: true,
      }),
    );
    if (!Item || Number(Item.expiresAt) <= Math.floor(Date.now() / 1000)) return undefined;
    return toHistoryRecord(Item);
  }

  async read(
    room: string,
    epoch: string,
    range: {
      readonly after: number;
      readonly before: number;
      readonly limit: number;
      readonly fromEnd?: boolean;
    },
    now: number,
  ): Promise<readonly HistoryRecord[]> {
    const records: HistoryRecord[] = [];
    if (range.before - range.after <= 1 || range.limit <= 0) return records;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          // TTL deletes lazily: what is past its retention is treated as gone.
          FilterExpression: 'expiresAt > :now',
          ExpressionAttributeValues: {
            ':pk': keys.historyPartition(room, epoch),
            ':from': keys.messageSortKey(range.after + 1),
            ':to': keys.messageSortKey(range.before - 1),
            ':now': Math.floor(now / 1000),
          },
          ScanIndexForward: !range.fromEnd,
          // Gap-free catch-up depends on seeing every message stored before the read.
          ConsistentRead: true,
          Limit: range.limit - records.length,
          ExclusiveStartKey: startKey,
        }),
      );
      records.push(...(page.Items ?? []).map(toHistoryRecord));
      startKey = page.LastEvaluatedKey;
    } while (startKey && records.length < range.limit);
    return range.fromEnd ? records.reverse() : records;
  }

  private expiresAt(from: number): number {
    return Math.floor(from / 1000) + this.props.retentionDays * 86_400;
  }
}

function toSequence(item: Record<string, unknown>): RoomSequence {
  return {
    epoch: String(item.epoch),
    seq: Number(item.seq ?? 0),
    seqAt: Number(item.seqAt ?? 0),
    sharded: item.sharded === true,
  };
}
