/**
 * Per-user connection slots as items USER#<userId> / SLOT#<n>. A claim is a conditional put per slot,
 * starting at a random slot so simultaneous connects of one user rarely contend for the same item.
 * No transactions: a slot is one item, and `attribute_not_exists` makes each claim exclusive.
 */
import type { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock, ConnectionSlots, SlotClaim, SlotHolder } from '../core/ports.ts';
import { fail, ok } from '../core/result.ts';
import { isConditionFailure } from './dynamo-conditions.ts';
import { keys } from './table-layout.ts';

export class DynamoConnectionSlots implements ConnectionSlots {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlSeconds: number,
    private readonly now: Clock = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  async claim(userId: string, connectionId: string, cap: number): Promise<SlotClaim> {
    const holders: SlotHolder[] = [];
    const first = Math.floor(this.random() * cap);
    for (let offset = 0; offset < cap; offset++) {
      const slot = (first + offset) % cap;
      const claimedAt = this.now();
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...keys.userSlot(userId, slot),
              userId,
              slot,
              connectionId,
              claimedAt,
              expiresAt: Math.floor(claimedAt / 1000) + this.ttlSeconds,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return ok({ slot });
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        holders.push(holderOf(slot, (error as ConditionalCheckFailedException).Item));
      }
    }
    return fail({ holders });
  }

  async release(userId: string, slot: number, connectionId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.userSlot(userId, slot),
          ConditionExpression: 'connectionId = :connectionId',
          ExpressionAttributeValues: { ':connectionId': connectionId },
        }),
      );
    } catch (error) {
      // Someone else holds it now (or nobody): nothing of ours to free.
      if (!isConditionFailure(error)) throw error;
    }
  }
}

/** A failed condition returns the old item in wire form; an absent one means it vanished meanwhile. */
function holderOf(slot: number, item: Record<string, { S?: string; N?: string }> | undefined): SlotHolder {
  return { slot, connectionId: item?.connectionId?.S ?? '', claimedAt: Number(item?.claimedAt?.N ?? 0) };
}
