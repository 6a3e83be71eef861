import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  InternalServerError,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoLoginFailureLog } from '../../lambdas/adapters/dynamo-login-failures.ts';

const dynamo = mockClient(DynamoDBDocumentClient);

function newLog() {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
  );
  return new DynamoLoginFailureLog(client, 'parley-test');
}

beforeEach(() => {
  dynamo.reset();
});

describe('DynamoLoginFailureLog', () => {
  it('reads a username’s record with a consistent read, and an absent one as version 0', async () => {
    // Prepare
    dynamo
      .on(GetCommand, { Key: { pk: 'LOGIN#alice', sk: 'FAILURES' } })
      .resolves({ Item: { pk: 'LOGIN#alice', sk: 'FAILURES', attempts: [1, 2], version: 3 } })
      .on(GetCommand, { Key: { pk: 'LOGIN#bob', sk: 'FAILURES' } })
      .resolves({});

    // Act
    const alice = await newLog().read('alice');
    const bob = await newLog().read('bob');

    // Assess
    expect(alice).toEqual({ attempts: [1, 2], version: 3 });
    expect(bob).toEqual({ attempts: [], version: 0 });
    expect(dynamo).toHaveReceivedCommandWith(GetCommand, { TableName: 'parley-test', ConsistentRead: true });
  });

  it('creates a record only if none exists, and replaces one only at the version it read', async () => {
    // Prepare
    dynamo.on(PutCommand).resolves({});

    // Act
    await newLog().write('alice', [1000], 0, 1900);
    await newLog().write('alice', [1000, 2000], 1, 1902);

    // Assess
    expect(dynamo).toHaveReceivedNthCommandWith(PutCommand, 1, {
      TableName: 'parley-test',
      Item: { pk: 'LOGIN#alice', sk: 'FAILURES', attempts: [1000], version: 1, expiresAt: 1900 },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(dynamo).toHaveReceivedNthCommandWith(PutCommand, 2, {
      Item: { pk: 'LOGIN#alice', sk: 'FAILURES', attempts: [1000, 2000], version: 2, expiresAt: 1902 },
      ConditionExpression: 'version = :version',
      ExpressionAttributeValues: { ':version': 1 },
    });
  });

  it('reports a lost race as false and rethrows other failures', async () => {
    // Prepare
    dynamo
      .on(PutCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'condition', $metadata: {} }))
      .rejects(new InternalServerError({ message: 'boom', $metadata: {} }));

    // Act
    const lost = await newLog().write('alice', [1], 2, 100);
    const failed = newLog().write('alice', [1], 2, 100);

    // Assess
    expect(lost).toBe(false);
    await expect(failed).rejects.toThrow('boom');
  });
});
