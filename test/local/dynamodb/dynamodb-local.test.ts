import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableLayout } from '../../../lambdas/adapters/table-layout.ts';
import {
  type DynamoDbLocal,
  localCredentials,
  startDynamoDbLocal,
} from '../../../local/dynamodb/dynamodb-local.ts';
import { ensureTable } from '../../../local/dynamodb/table.ts';

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const clientFor = (endpoint: string) =>
  new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials, maxAttempts: 1 });

describe('DynamoDB Local', () => {
  let dynamo: DynamoDbLocal;
  let client: DynamoDBClient;

  beforeAll(async () => {
    dynamo = await startDynamoDbLocal();
    client = clientFor(dynamo.endpoint);
  });
  afterAll(async () => {
    client?.destroy();
    await dynamo?.stop();
  });

  it('creates the table with the keys, index, stream and TTL of tableLayout', async () => {
    // Act
    const created = await ensureTable(client, 'layout-check');

    // Assess
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: 'layout-check' }));
    expect(created).toMatchObject({ created: true, streamArn: table?.LatestStreamArn });
    expect(table?.KeySchema).toEqual([
      { AttributeName: tableLayout.partitionKey, KeyType: 'HASH' },
      { AttributeName: tableLayout.sortKey, KeyType: 'RANGE' },
    ]);
    expect(table?.StreamSpecification).toEqual({
      StreamEnabled: true,
      StreamViewType: tableLayout.streamViewType,
    });
    const expectedIndexes = tableLayout.globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: {
        ProjectionType: index.projection.type,
        ...(index.projection.nonKeyAttributes
          ? { NonKeyAttributes: [...index.projection.nonKeyAttributes] }
          : {}),
      },
    }));
    const actualIndexes = (table?.GlobalSecondaryIndexes ?? [])
      .map(({ IndexName, KeySchema, Projection }) => ({ IndexName, KeySchema, Projection }))
      .sort((a, b) => String(a.IndexName).localeCompare(String(b.IndexName)));
    expect(actualIndexes).toEqual(expectedIndexes.sort((a, b) => a.IndexName.localeCompare(b.IndexName)));
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: 'layout-check' }));
    expect(ttl.TimeToLiveDescription).toEqual({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: tableLayout.timeToLiveAttribute,
    });
  });

  it('accepts an existing table with the layout and reports it as found', async () => {
    // Prepare
    await ensureTable(client, 'existing');

    // Act
    const again = await ensureTable(client, 'existing');

    // Assess
    expect(again.created).toBe(false);
  });

  it('refuses an existing table whose keys differ from the layout', async () => {
    // Prepare
    await client.send(
      new CreateTableCommand({
        TableName: 'stale-layout',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );

    // Act / Assess
    await expect(ensureTable(client, 'stale-layout')).rejects.toThrow(
      /does not match lambdas\/adapters\/table-layout.ts.*delete the data directory/,
    );
  });
});

/** Cold JVM starts on two busy shared cores: a slow start waits longer, a broken one still fails. */
const jvmStartsTimeoutMs = 120_000;

describe('DynamoDB Local lifecycle', () => {
  it('kills the Java process on stop', { timeout: jvmStartsTimeoutMs }, async () => {
    // Prepare
    const dynamo = await startDynamoDbLocal();
    expect(isRunning(dynamo.pid)).toBe(true);

    // Act
    await dynamo.stop();

    // Assess
    expect(isRunning(dynamo.pid)).toBe(false);
    await dynamo.stop(); // a second stop is harmless
  });

  it('keeps data across restarts when given a data directory', { timeout: jvmStartsTimeoutMs }, async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-dynamodb-'));
    try {
      const first = await startDynamoDbLocal({ dataDir });
      const firstClient = clientFor(first.endpoint);
      await ensureTable(firstClient, 'kept');
      await firstClient.send(
        new PutItemCommand({ TableName: 'kept', Item: { pk: { S: 'a' }, sk: { S: 'b' } } }),
      );
      firstClient.destroy();
      await first.stop();

      // Act
      const second = await startDynamoDbLocal({ dataDir });
      const secondClient = clientFor(second.endpoint);
      const table = await ensureTable(secondClient, 'kept');
      const item = await secondClient.send(
        new GetItemCommand({ TableName: 'kept', Key: { pk: { S: 'a' }, sk: { S: 'b' } } }),
      );
      secondClient.destroy();
      await second.stop();

      // Assess
      expect(table.created).toBe(false);
      expect(item.Item).toEqual({ pk: { S: 'a' }, sk: { S: 'b' } });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
