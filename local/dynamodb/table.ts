/**
 * Creates Parley's table in DynamoDB Local from the one layout definition (tableLayout), with the same
 * keys, index, stream and TTL as the CDK table, so the handlers meet the table they meet on AWS.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { keyAttributeNames, tableLayout } from '../../lambdas/adapters/table-layout.ts';
import { LocalStackError } from '../errors.ts';

export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...new Set(keyAttributeNames)].map((name) => ({
      AttributeName: name,
      AttributeType: 'S',
    })),
    KeySchema: [
      { AttributeName: tableLayout.partitionKey, KeyType: 'HASH' },
      { AttributeName: tableLayout.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: tableLayout.globalSecondaryIndexes.map((index) => ({
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
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: tableLayout.streamViewType },
  };
}

export interface LocalTable {
  readonly tableName: string;
  readonly tableArn: string;
  readonly streamArn: string;
  /** False when the table already existed (a data directory from an earlier run). */
  readonly created: boolean;
}

/**
 * Creates the table, or checks that an existing one (from a data directory) still has the layout's
 * keys and indexes; enables its stream and TTL when missing.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<LocalTable> {
  let table = await describe(client, tableName);
  const created = table === undefined;
  if (!table) {
    table = (await client.send(new CreateTableCommand(createTableInput(tableName)))).TableDescription;
  } else {
    assertLayout(table);
    if (!table.StreamSpecification?.StreamEnabled) {
      table = (
        await client.send(
          new UpdateTableCommand({
            TableName: tableName,
            StreamSpecification: { StreamEnabled: true, StreamViewType: tableLayout.streamViewType },
          }),
        )
      ).TableDescription;
    }
  }
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName: tableLayout.timeToLiveAttribute },
      }),
    );
  }
  const streamArn = table?.LatestStreamArn;
  if (!table?.TableArn || !streamArn) {
    throw new LocalStackError(
      `table ${tableName} has no ${table?.TableArn ? 'stream ARN' : 'ARN'} after creation`,
    );
  }
  return { tableName, tableArn: table.TableArn, streamArn, created };
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/** The table in a data directory must match the layout the code uses, or every query would fail oddly later. */
function assertLayout(table: TableDescription): void {
  const problems: string[] = [];
  const keyOf = (schema: TableDescription['KeySchema']) =>
    (schema ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`).join(',');
  const expected = createTableInput(table.TableName ?? '');
  if (keyOf(table.KeySchema) !== keyOf(expected.KeySchema)) {
    problems.push(`keys are ${keyOf(table.KeySchema)}, expected ${keyOf(expected.KeySchema)}`);
  }
  for (const index of expected.GlobalSecondaryIndexes ?? []) {
    const actual = table.GlobalSecondaryIndexes?.find((candidate) => candidate.IndexName === index.IndexName);
    if (!actual) problems.push(`index ${index.IndexName} is missing`);
    else if (keyOf(actual.KeySchema) !== keyOf(index.KeySchema)) {
      problems.push(
        `index ${index.IndexName} keys are ${keyOf(actual.KeySchema)}, expected ${keyOf(index.KeySchema)}`,
      );
    }
  }
  if (problems.length > 0) {
    throw new LocalStackError(
      `table ${table.TableName} in the data directory does not match lambdas/adapters/table-layout.ts (${problems.join('; ')}); delete the data directory to recreate it`,
    );
  }
}
