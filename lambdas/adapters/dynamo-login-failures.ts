/**
 * Login attempts per username (lambdas/core/login-lockout.ts) as one item, LOGIN#<username> / FAILURES,
 * holding at most five attempt times and a version. Writes are compare-and-set on the version (a
 * conditional PutItem), so concurrent attempts for one username are serialised by DynamoDB; DynamoDB
 * TTL removes the item once its newest attempt has stopped counting.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { LoginAttemptRecord, LoginFailureLog } from '../core/login-lockout.ts';
import { isConditionFailure } from './dynamo-conditions.ts';
import { keys, tableLayout } from './table-layout.ts';

export class DynamoLoginFailureLog implements LoginFailureLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(key: string): Promise<LoginAttemptRecord> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.loginFailures(key), ConsistentRead: true }),
    );
    const attempts = Array.isArray(Item?.attempts)
      ? Item.attempts.filter((at): at is number => typeof at === 'number')
      : [];
    return { attempts, version: typeof Item?.version === 'number' ? Item.version : 0 };
  }

  async write(
    key: string,
    attempts: readonly number[],
    version: number,
    expiresAt: number,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.loginFailures(key),
            attempts: [...attempts],
            version: version + 1,
            [tableLayout.timeToLiveAttribute]: expiresAt,
          },
          ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : 'version = :version',
          ...(version === 0 ? {} : { ExpressionAttributeValues: { ':version': version } }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
