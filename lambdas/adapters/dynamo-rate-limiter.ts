/**
 * The per-connection token bucket (lambdas/core/rate-limit.ts) kept as one attribute, `rateTat`, on
 * the connection item. Each decision is at most two conditional UpdateItems and never a read:
 * 1. the bucket is full (TAT absent or past): set TAT = now + interval;
 * 2. otherwise, while TAT is within the burst tolerance: add one interval;
 * 3. both conditions failed: refused; the stored TAT (returned by the failed condition) gives retryAfter.
 * Every update also requires the connection item to exist, so it can never resurrect a removed connection.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock, RateLimiter } from '../core/ports.ts';
import { gcraParameters, type RateDecision, type RateLimit } from '../core/rate-limit.ts';
import { fail, ok } from '../core/result.ts';
import { isConditionFailure } from './dynamo-conditions.ts';
import { keys } from './table-layout.ts';

export class DynamoRateLimiter implements RateLimiter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly limit: RateLimit,
    private readonly now: Clock = Date.now,
  ) {}

  async consume(connectionId: string): Promise<RateDecision> {
    const now = this.now();
    const { intervalMs, idleTat, latestAdmissibleTat, retryAfterMs } = gcraParameters(this.limit, now);
    const key = keys.connection(connectionId);

    const fromIdle = await this.conditionalSet(
      key,
      'SET rateTat = :tat',
      'attribute_exists(pk) AND (attribute_not_exists(rateTat) OR rateTat < :now)',
      { ':tat': idleTat, ':now': now },
    );
    if (fromIdle.updated) return ok(undefined);

    const withinBurst = await this.conditionalSet(
      key,
      'SET rateTat = rateTat + :interval',
      'attribute_exists(pk) AND rateTat <= :latest',
      { ':interval': intervalMs, ':latest': latestAdmissibleTat },
    );
    if (withinBurst.updated) return ok(undefined);

    const storedTat = numberAttribute(withinBurst.oldItem?.rateTat);
    // No item at all means the connection was removed meanwhile; the caller's lookup already vouched for it,
    // so treat it as one interval rather than inventing a new error path.
    return fail({
      retryAfterMs: Number.isFinite(storedTat) ? retryAfterMs(storedTat) : Math.ceil(intervalMs),
    });
  }

  private async conditionalSet(
    key: Record<string, string>,
    update: string,
    condition: string,
    values: Record<string, number>,
  ): Promise<{ updated: boolean; oldItem?: Record<string, unknown> }> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { updated: true };
    } catch (error) {
      if (isConditionFailure(error))
        return { updated: false, oldItem: error.Item as Record<string, unknown> | undefined };
      throw error;
    }
  }
}

/** A failed condition's old item comes back in wire form (`{ N: "…" }`), not unmarshalled. */
function numberAttribute(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && 'N' in value) return Number((value as { N: string }).N);
  return Number.NaN;
}
