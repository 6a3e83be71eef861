/**
 * Rooms created per user: a token bucket (GCRA, lambdas/core/rate-limit.ts) on the item
 * USER#<userId> / RATE#createRoom, spent by conditional updates like the connection's bucket, so the
 * limit holds across every Lambda instance. `perHour` rooms may be created at once, then one every
 * hour / `perHour`.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CreationLimiter } from '../core/ports.ts';
import { gcraParameters } from '../core/rate-limit.ts';
import { fail, ok, type Result } from '../core/result.ts';
import { isConditionFailure } from './dynamo-conditions.ts';
import { keys } from './table-layout.ts';

export class DynamoCreationLimiter implements CreationLimiter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly perHour: number,
  ) {}

  async consume(userId: string, now: number): Promise<Result<undefined, { readonly retryAfterMs: number }>> {
    if (this.perHour <= 0) return ok(undefined);
    const limit = { perSecond: this.perHour / 3600, burst: this.perHour };
    const { intervalMs, idleTat, latestAdmissibleTat, retryAfterMs } = gcraParameters(limit, now);
    const key = keys.userCounter(userId, 'createRoom');
    // The item outlives its bucket by a day at most: a full bucket is the same as no item.
    const expiresAt = Math.ceil((now + limit.burst * intervalMs) / 1000) + 86_400;
    const attempt = async (update: string, condition: string, values: Record<string, number>) => {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: `${update}, expiresAt = :expiresAt`,
            ConditionExpression: condition,
            ExpressionAttributeValues: { ...values, ':expiresAt': expiresAt },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return undefined;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const stored = (error.Item as { tat?: { N?: string } } | undefined)?.tat?.N;
        return stored === undefined ? Number.NEGATIVE_INFINITY : Number(stored);
      }
    };
    const idle = await attempt('SET tat = :tat', 'attribute_not_exists(tat) OR tat < :now', {
      ':tat': idleTat,
      ':now': now,
    });
    if (idle === undefined) return ok(undefined);
    if (idle <= latestAdmissibleTat) {
      const within = await attempt('SET tat = tat + :interval', 'tat <= :latest', {
        ':interval': intervalMs,
        ':latest': latestAdmissibleTat,
      });
      if (within === undefined) return ok(undefined);
      return fail({ retryAfterMs: retryAfterMs(within) });
    }
    return fail({ retryAfterMs: retryAfterMs(idle) });
  }
}
