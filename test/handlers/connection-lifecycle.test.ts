import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createConnectHandler } from '../../lambdas/handlers/connect.ts';
import { createConnectionEventsHandler } from '../../lambdas/handlers/connection-events.ts';
import { createDisconnectHandler } from '../../lambdas/handlers/disconnect.ts';
import {
  leftFramesOf,
  NOW,
  postsOf,
  publicationsOf,
  TABLE,
  type TestDeps,
  TTL_SECONDS,
  testDeps,
} from '../fixtures/session-deps.ts';
import { connectionItem, memberItem, roomOfConnectionItem } from '../fixtures/table-items.ts';
import { alice, bob, connectEvent, disconnectEvent } from '../fixtures/websocket-events.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const management = mockClient(ApiGatewayManagementApiClient);
const sqs = mockClient(SQSClient);
const gone = () => new GoneException({ message: 'gone', $metadata: { httpStatusCode: 410 } });

let deps: TestDeps;
const sleeps: number[] = [];

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  dynamo.reset();
  management.reset();
  management.on(PostToConnectionCommand).resolves({});
  dynamo.on(GetCommand).resolves({});
  deps = testDeps();
  sleeps.length = 0;
});

describe('$connect', () => {
  it('stores the connection under the authorizer identity with a TTL beyond the 2-hour connection limit', async () => {
    // Prepare
    dynamo.on(PutCommand).resolves({});
    const handler = createConnectHandler(deps);

    // Act
    const result = await handler(connectEvent({ connectionId: 'conn-a', identity: alice }));

    // Assess
    expect(result).toEqual({ statusCode: 200 });
    const item = dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item;
    expect(item).toEqual({
      pk: 'CONN#conn-a',
      sk: 'CONNECTION',
      userPk: 'USER#alice',
      userSk: 'CONN#conn-a',
      sweepPk: expect.stringMatching(/^SWEEP#[0-7]$/),
      // Swept when API Gateway's 2-hour limit passes, which comes before this token's expiry.
      sweepSk: `${Math.floor(NOW / 1000) + 7200}#conn-a`,
      connectionId: 'conn-a',
      userId: 'u-alice',
      username: 'alice',
      groups: [],
      tokenExpiresAt: alice.tokenExpiresAt,
      connectedAt: NOW,
      expiresAt: Math.floor(NOW / 1000) + TTL_SECONDS,
    });
    expect(TTL_SECONDS).toBeGreaterThanOrEqual(2 * 3600);
  });

  it('echoes parley.v1, never the token, when the client offers subprotocols', async () => {
    // Prepare
    dynamo.on(PutCommand).resolves({});

    // Act
    const result = await createConnectHandler(deps)(
      connectEvent({ headers: { 'sec-websocket-protocol': 'parley.v1, eyJhbGciOi.x.y' } }),
    );

    // Assess
    expect(result).toEqual({ statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'parley.v1' } });
  });

  it('refuses an unsupported subprotocol with 400 and writes nothing', async () => {
    // Act
    const result = await createConnectHandler(deps)(
      connectEvent({ headers: { 'Sec-WebSocket-Protocol': 'mqtt' } }),
    );

    // Assess
    expect(result).toMatchObject({ statusCode: 400 });
    expect(dynamo.calls()).toHaveLength(0);
  });

  it.each([
    ['no authorizer context', undefined],
    ['a context our authorizer did not produce', { principalId: 'x' }],
    [
      'groups that are not a JSON array',
      { principalId: 'x', userId: 'u', username: 'x', groups: 'admin', tokenExpiresAt: '1' },
    ],
  ])('refuses %s with 500 and writes nothing', async (_, authorizer) => {
    // Act
    const result = await createConnectHandler(deps)(connectEvent({ authorizer }));

    // Assess
    expect(result).toEqual({ statusCode: 500 });
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('refuses the connection with 500 when it cannot be stored', async () => {
    // Prepare
    dynamo.on(PutCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));

    // Act
    const result = await createConnectHandler(deps)(connectEvent());

    // Assess
    expect(result).toEqual({ statusCode: 500 });
    expect(deps.logLines.join('\n')).toContain('ThrottlingException');
  });
});

describe('$disconnect', () => {
  it('removes the connection and every membership and tells each room the user left', async () => {
    // Prepare
    dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'CONN#conn-a' } }).resolves({
      Items: [
        connectionItem('conn-a', alice),
        roomOfConnectionItem('conn-a', 'general'),
        roomOfConnectionItem('conn-a', 'random'),
      ],
    });
    dynamo
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'ROOM#general' } })
      .resolves({ Items: [memberItem('general', 'conn-b', bob)] });
    dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'ROOM#random' } }).resolves({ Items: [] });
    dynamo.on(BatchWriteCommand).resolves({});
    // alice's presence in each room empties: she is counted out of both.
    dynamo.on(UpdateCommand).resolves({ Attributes: { members: 1 } });
    dynamo.on(DeleteCommand).resolves({});

    // Act
    const result = await createDisconnectHandler(deps)(disconnectEvent({ connectionId: 'conn-a' }));

    // Assess
    expect(result).toEqual({ statusCode: 200 });
    const deleted = dynamo
      .commandCalls(BatchWriteCommand)[0]
      ?.args[0].input.RequestItems?.[TABLE]?.map((request) => request.DeleteRequest?.Key);
    expect(deleted).toEqual([
      { pk: 'CONN#conn-a', sk: 'CONNECTION' },
      { pk: 'CONN#conn-a', sk: 'ROOM#general' },
      { pk: 'ROOM#general', sk: 'CONN#conn-a' },
      { pk: 'CONN#conn-a', sk: 'ROOM#random' },
      { pk: 'ROOM#random', sk: 'CONN#conn-a' },
    ]);
    expect(postsOf(management)).toEqual([]);
    expect(leftFramesOf(publicationsOf(sqs))).toEqual([
      expect.objectContaining({ type: 'left', room: 'general', username: 'alice' }),
      expect.objectContaining({ type: 'left', room: 'random', username: 'alice' }),
    ]);
    for (const room of ['general', 'random']) {
      expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
        Key: { pk: `ROOM#${room}`, sk: 'PRES#alice' },
        UpdateExpression: 'DELETE connections :connection',
      });
    }
  });

  it('is harmless for a connection that was already removed', async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({ Items: [] });

    // Act
    const result = await createDisconnectHandler(deps)(disconnectEvent({ connectionId: 'conn-a' }));

    // Assess
    expect(result).toEqual({ statusCode: 200 });
    expect(dynamo).not.toHaveReceivedCommand(BatchWriteCommand);
    expect(postsOf(management)).toHaveLength(0);
  });

  it('retries deletes DynamoDB left unprocessed', async () => {
    // Prepare
    dynamo
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'CONN#conn-a' } })
      .resolves({ Items: [connectionItem('conn-a', alice)] });
    dynamo
      .on(BatchWriteCommand)
      .resolvesOnce({
        UnprocessedItems: { [TABLE]: [{ DeleteRequest: { Key: { pk: 'CONN#conn-a', sk: 'CONNECTION' } } }] },
      })
      .resolves({});

    // Act
    await createDisconnectHandler(deps)(disconnectEvent({ connectionId: 'conn-a' }));

    // Assess
    expect(dynamo).toHaveReceivedCommandTimes(BatchWriteCommand, 2);
  });
});

describe('connection events (welcome)', () => {
  const handler = () => createConnectionEventsHandler({ ...deps, sleep: async (ms) => void sleeps.push(ms) });
  const inserted = (connectionId: string, sequenceNumber = '100'): DynamoDBRecord => ({
    eventName: 'INSERT',
    dynamodb: {
      SequenceNumber: sequenceNumber,
      // biome-ignore lint/suspicious/noExplicitAny: aws-lambda's AttributeValue type differs from the SDK's
      NewImage: marshall(connectionItem(connectionId, alice)) as any,
    },
  });

  it('welcomes a new connection by name', async () => {
    // Act
    const result = await handler()({ Records: [inserted('conn-a')] });

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(postsOf(management)).toEqual([
      expect.objectContaining({
        to: 'conn-a',
        frame: expect.objectContaining({
          type: 'welcome',
          message: 'Welcome, alice!',
          userId: 'u-alice',
          connectionId: 'conn-a',
        }),
      }),
    ]);
  });

  it('retries a 410 while $connect has not returned yet, then delivers', async () => {
    // Prepare
    management.on(PostToConnectionCommand).rejectsOnce(gone()).rejectsOnce(gone()).resolves({});
    dynamo
      .on(GetCommand, { Key: { pk: 'CONN#conn-a', sk: 'CONNECTION' } })
      .resolves({ Item: connectionItem('conn-a', alice) });

    // Act
    await handler()({ Records: [inserted('conn-a')] });

    // Assess
    expect(management).toHaveReceivedCommandTimes(PostToConnectionCommand, 3);
    expect(sleeps).toEqual([50, 100]);
  });

  it('stops retrying once $disconnect has removed the connection', async () => {
    // Prepare
    management.on(PostToConnectionCommand).rejects(gone());

    // Act
    await handler()({ Records: [inserted('conn-a')] });

    // Assess
    expect(management).toHaveReceivedCommandTimes(PostToConnectionCommand, 1);
    expect(dynamo).not.toHaveReceivedCommand(BatchWriteCommand);
  });

  it('removes a connection that stays gone after every retry', async () => {
    // Prepare
    management.on(PostToConnectionCommand).rejects(gone());
    dynamo
      .on(GetCommand, { Key: { pk: 'CONN#conn-a', sk: 'CONNECTION' } })
      .resolves({ Item: connectionItem('conn-a', alice) });
    dynamo.on(QueryCommand).resolves({ Items: [connectionItem('conn-a', alice)] });
    dynamo.on(BatchWriteCommand).resolves({});

    // Act
    await handler()({ Records: [inserted('conn-a')] });

    // Assess
    expect(management).toHaveReceivedCommandTimes(PostToConnectionCommand, 7);
    expect(dynamo).toHaveReceivedCommandWith(BatchWriteCommand, {
      RequestItems: { [TABLE]: [{ DeleteRequest: { Key: { pk: 'CONN#conn-a', sk: 'CONNECTION' } } }] },
    });
  });

  it('reports only the failed record for retry', async () => {
    // Prepare
    management.on(PostToConnectionCommand, { ConnectionId: 'conn-b' }).rejects(new Error('socket hang up'));

    // Act
    const result = await handler()({ Records: [inserted('conn-a', '1'), inserted('conn-b', '2')] });

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }] });
  });

  it('ignores records that are not new connections', async () => {
    // Prepare
    const membership: DynamoDBRecord = {
      eventName: 'INSERT',
      // biome-ignore lint/suspicious/noExplicitAny: see above
      dynamodb: { NewImage: marshall(roomOfConnectionItem('conn-a', 'general')) as any },
    };

    // Act
    await handler()({ Records: [membership, { ...inserted('conn-a'), eventName: 'REMOVE' }] });

    // Assess
    expect(postsOf(management)).toHaveLength(0);
  });
});
