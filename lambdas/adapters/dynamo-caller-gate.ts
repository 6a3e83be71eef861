/**
 * The first step of every frame, as one DynamoDB write: the connection item is updated conditionally
 * to spend one token of its bucket (GCRA, lambdas/core/rate-limit.ts), and the update returns the item,
 * so finding out who sent the frame costs no read. The bucket is one attribute, `rateTat`; the run of
 * refusals in a row is another, `refusals`.
 *
 * Per frame, at most:
 * 1. the bucket is full (TAT absent or past): SET TAT = at + interval, refusals = 0 — admitted;
 * 2. the first condition failed and returned the item; if its TAT is within the burst tolerance:
 *    SET TAT = TAT + interval, refusals = 0 — admitted;
 * 3. otherwise refused: ADD refusals 1, returning the new count.
 * Every update requires the connection item to exist, so none can resurrect a removed connection; a
 * missing item means the connection is unknown.
 *
 * Without a rate limit the gate is one strongly consistent GetItem.
 */
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AdmissionRefusal, CallerGate, ConnectionRecord } from '../core/ports.ts';
import { gcraParameters, type RateLimit } from '../core/rate-limit.ts';
import { fail, ok, type Result } from '../core/result.ts';
import { isConditionFailure } from './dynamo-conditions.ts';
import { toConnectionRecord } from './dynamo-connection-store.ts';
import { keys } from './table-layout.ts';

type Admission = Result<ConnectionRecord, AdmissionRefusal>;

const unknownConnection: Admission = fail({ reason: 'ConnectionUnknown' });

export class DynamoCallerGate implements CallerGate {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Undefined: no rate limit, the gate only finds the caller. */
    private readonly limit: RateLimit | undefined,
  ) {}

  async admit(connectionId: string, receivedAt: number): Promise<Admission> {
    const key = keys.connection(connectionId);
    if (!this.limit) {
      const { Item } = await this.client.send(
        // Strongly consistent: a frame can arrive milliseconds after $connect stored the connection.
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      return Item ? ok(toConnectionRecord(Item)) : unknownConnection;
    }

    const { intervalMs, idleTat, latestAdmissibleTat, retryAfterMs } = gcraParameters(this.limit, receivedAt);
    const fromIdle = await this.update(key, {
      UpdateExpression: 'SET rateTat = :tat, refusals = :zero',
      ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(rateTat) OR rateTat < :at)',
      ExpressionAttributeValues: { ':tat': idleTat, ':at': receivedAt, ':zero': 0 },
    });
    if (fromIdle.success) return ok(toConnectionRecord(fromIdle.data));
    if (!fromIdle.error) return unknownConnection;

    const storedTat = numberAttribute(fromIdle.error.rateTat);
    if (storedTat <= latestAdmissibleTat) {
      const withinBurst = await this.update(key, {
        UpdateExpression: 'SET rateTat = rateTat + :interval, refusals = :zero',
        ConditionExpression: 'attribute_exists(pk) AND rateTat <= :latest',
        ExpressionAttributeValues: { ':interval': intervalMs, ':latest': latestAdmissibleTat, ':zero': 0 },
      });
      if (withinBurst.success) return ok(toConnectionRecord(withinBurst.data));
      if (!withinBurst.error) return unknownConnection;
    }

    const refused = await this.update(key, {
      UpdateExpression: 'ADD refusals :one',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':one': 1 },
    });
    if (!refused.success) return unknownConnection;
    return fail({
      reason: 'RateLimited',
      retryAfterMs: retryAfterMs(Number(refused.data.rateTat ?? storedTat)),
      consecutive: Number(refused.data.refusals ?? 1),
    });
  }

  /**
   * One conditional update returning the new item, or on a failed condition the old item in wire
   * form (undefined when there was none).
   */
  private async update(
    key: Record<string, string>,
    input: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeValues: Record<string, number>;
    },
  ): Promise<Result<Record<string, unknown>, Record<string, unknown> | undefined>> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          ...input,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return ok(Attributes ?? {});
    } catch (error) {
      if (isConditionFailure(error)) return fail(error.Item as Record<string, unknown> | undefined);
      throw error;
    }
  }
}

/** A failed condition's old item comes back in wire form (`{ N: "…" }`), not unmarshalled. */
function numberAttribute(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && 'N' in value) return Number((value as { N: string }).N);
  return Number.NEGATIVE_INFINITY;
}
