import {
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type DynamoDbLocal,
  localCredentials,
  startDynamoDbLocal,
} from '../../../local/dynamodb/dynamodb-local.ts';
import { connectionInsertFilterPattern } from '../../../local/dynamodb/stream-filter.ts';
import { type StreamPoller, startStreamPoller } from '../../../local/dynamodb/stream-poller.ts';
import { ensureTable } from '../../../local/dynamodb/table.ts';
import { recordingFunction } from '../support/recording-function.ts';

describe('stream poller', () => {
  let dynamo: DynamoDbLocal;
  let client: DynamoDBClient;
  let streams: DynamoDBStreamsClient;
  let poller: StreamPoller | undefined;
  let tableCount = 0;

  beforeAll(async () => {
    dynamo = await startDynamoDbLocal();
    const config = { endpoint: dynamo.endpoint, region: 'us-east-1', credentials: localCredentials };
    client = new DynamoDBClient(config);
    streams = new DynamoDBStreamsClient(config);
  });
  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
  });
  afterAll(async () => {
    client?.destroy();
    streams?.destroy();
    await dynamo?.stop();
  });

  const newTable = async () => ensureTable(client, `stream-test-${++tableCount}`);
  const putConnection = (tableName: string, id: string) =>
    client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          pk: { S: `CONN#${id}` },
          sk: { S: 'CONNECTION' },
          connectionId: { S: id },
          blob: { B: new Uint8Array([1, 2, 3]) },
        },
      }),
    );

  it('delivers inserted connections as Lambda DynamoDBStreamEvents and skips what the filter excludes', async () => {
    // Prepare
    const table = await newTable();
    const target = recordingFunction<DynamoDBStreamEvent>('connectionEvents', () => ({
      batchItemFailures: [],
    }));
    poller = await startStreamPoller({
      client: streams,
      streamArn: table.streamArn,
      target,
      filter: connectionInsertFilterPattern,
      region: 'eu-west-1',
    });

    // Act
    await client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: { pk: { S: 'ROOM#general' }, sk: { S: 'CONN#x' } },
      }),
    );
    await putConnection(table.tableName, 'first');
    await client.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: { pk: { S: 'CONN#first' }, sk: { S: 'CONNECTION' } },
        UpdateExpression: 'SET touched = :t',
        ExpressionAttributeValues: { ':t': { BOOL: true } },
      }),
    );
    await client.send(
      new DeleteItemCommand({
        TableName: table.tableName,
        Key: { pk: { S: 'CONN#first' }, sk: { S: 'CONNECTION' } },
      }),
    );
    await putConnection(table.tableName, 'second');

    // Assess
    await target.waitForEvent((event) =>
      event.Records.some((record) => record.dynamodb?.Keys?.pk?.S === 'CONN#second'),
    );
    const records = target.events.flatMap((event) => event.Records);
    expect(records.map((record) => record.dynamodb?.Keys?.pk?.S)).toEqual(['CONN#first', 'CONN#second']);
    expect(records[0]).toMatchObject({
      eventID: expect.any(String),
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'eu-west-1',
      eventSourceARN: table.streamArn,
      dynamodb: {
        ApproximateCreationDateTime: expect.any(Number),
        Keys: { pk: { S: 'CONN#first' }, sk: { S: 'CONNECTION' } },
        NewImage: { connectionId: { S: 'first' }, blob: { B: 'AQID' } },
        SequenceNumber: expect.any(String),
        SizeBytes: expect.any(Number),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
  });

  it('does not deliver records written before it started (LATEST)', async () => {
    // Prepare
    const table = await newTable();
    await putConnection(table.tableName, 'before');
    const target = recordingFunction<DynamoDBStreamEvent>('connectionEvents');
    poller = await startStreamPoller({ client: streams, streamArn: table.streamArn, target });

    // Act
    await putConnection(table.tableName, 'after');

    // Assess
    await target.waitForEvent();
    expect(
      target.events.flatMap((event) => event.Records).map((record) => record.dynamodb?.Keys?.pk?.S),
    ).toEqual(['CONN#after']);
  });

  it('retries from the first failed record reported in batchItemFailures', async () => {
    // Prepare
    const table = await newTable();
    let failOnce = true;
    const target = recordingFunction<DynamoDBStreamEvent>('connectionEvents', (event) => {
      const failed = event.Records.find((record) => record.dynamodb?.Keys?.pk?.S === 'CONN#b');
      if (failed && failOnce) {
        failOnce = false;
        return { batchItemFailures: [{ itemIdentifier: failed.dynamodb?.SequenceNumber }] };
      }
      return { batchItemFailures: [] };
    });
    poller = await startStreamPoller({
      client: streams,
      streamArn: table.streamArn,
      target,
      pollIntervalMs: 500,
    });

    // Act: usually one batch [a, b]; if a poll falls between the writes, [a] then [b].
    await putConnection(table.tableName, 'a');
    await putConnection(table.tableName, 'b');

    // Assess
    const deliveredKeys = () =>
      target.events.flatMap((event) => event.Records.map((record) => record.dynamodb?.Keys?.pk?.S));
    // b alone may also be the first delivery (a poll between the writes), so wait for b's second one.
    await target.waitForEvent(() => deliveredKeys().filter((key) => key === 'CONN#b').length >= 2);
    const delivered = deliveredKeys();
    expect(delivered.filter((key) => key === 'CONN#a')).toHaveLength(1); // not replayed: it succeeded
    expect(delivered.filter((key) => key === 'CONN#b')).toHaveLength(2);
  });

  it('gives up on a batch after the configured retries and goes on with later records', async () => {
    // Prepare
    const table = await newTable();
    const target = recordingFunction<DynamoDBStreamEvent>('connectionEvents', (event) => {
      if (event.Records.some((record) => record.dynamodb?.Keys?.pk?.S === 'CONN#poison'))
        throw new Error('cannot process');
      return { batchItemFailures: [] };
    });
    poller = await startStreamPoller({
      client: streams,
      streamArn: table.streamArn,
      target,
      retryAttempts: 2,
      pollIntervalMs: 20,
    });

    // Act
    await putConnection(table.tableName, 'poison');
    await target.waitForEvent();
    await putConnection(table.tableName, 'healthy');

    // Assess
    await target.waitForEvent((event) =>
      event.Records.some((record) => record.dynamodb?.Keys?.pk?.S === 'CONN#healthy'),
    );
    const poisonAttempts = target.events.filter((event) =>
      event.Records.some((record) => record.dynamodb?.Keys?.pk?.S === 'CONN#poison'),
    );
    expect(poisonAttempts).toHaveLength(3);
  });

  it('stops polling on stop()', async () => {
    // Prepare
    const table = await newTable();
    const target = recordingFunction<DynamoDBStreamEvent>('connectionEvents');
    poller = await startStreamPoller({ client: streams, streamArn: table.streamArn, target });
    await putConnection(table.tableName, 'seen');
    await target.waitForEvent();

    // Act
    await poller.stop();
    poller = undefined;
    await putConnection(table.tableName, 'unseen');
    const late = target.waitForEvent(
      (event) => event.Records.some((record) => record.dynamodb?.Keys?.pk?.S === 'CONN#unseen'),
      500,
    );

    // Assess
    await expect(late).rejects.toThrow(/not invoked/);
  });
});
