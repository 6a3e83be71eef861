import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoConnectionSlots } from '../../lambdas/adapters/dynamo-connection-slots.ts';
import { DynamoConnectionStore } from '../../lambdas/adapters/dynamo-connection-store.ts';
import { DynamoRoomStore } from '../../lambdas/adapters/dynamo-room-store.ts';
import {
  type DynamoDbLocal,
  localCredentials,
  startDynamoDbLocal,
} from '../../local/dynamodb/dynamodb-local.ts';
import { ensureTable } from '../../local/dynamodb/table.ts';
import { removeStaleConnections } from '../../local/stale-connections.ts';
import { type TableReader, tableReader } from '../e2e/support/table-reader.ts';

const tableName = 'stale-connections';
const ttlSeconds = 3 * 3600;

describe('connections left by an earlier run', () => {
  let dynamo: DynamoDbLocal;
  let documents: DynamoDBDocumentClient;
  let table: TableReader;

  beforeAll(async () => {
    dynamo = await startDynamoDbLocal();
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: localCredentials,
    });
    await ensureTable(client, tableName);
    documents = DynamoDBDocumentClient.from(client);
    table = tableReader({ dynamoEndpoint: dynamo.endpoint, region: 'us-east-1', tableName });
  });
  afterAll(async () => {
    table?.destroy();
    documents?.destroy();
    await dynamo?.stop();
  });

  it('removes every stored connection with its memberships and slot, and nothing else', async () => {
    // Prepare
    const now = Date.now();
    const connections = new DynamoConnectionStore(documents, tableName, ttlSeconds);
    const rooms = new DynamoRoomStore(documents, tableName, ttlSeconds);
    const slots = new DynamoConnectionSlots(documents, tableName, ttlSeconds);
    const expiresIn = (seconds: number) => Math.floor(now / 1000) + seconds;
    const alice = { userId: 'u-alice', username: 'alice', groups: [], tokenExpiresAt: expiresIn(3600) };
    const bob = { userId: 'u-bob', username: 'bob', groups: ['moderator'], tokenExpiresAt: expiresIn(60) };
    const carol = { userId: 'u-carol', username: 'carol', groups: [], tokenExpiresAt: expiresIn(86_400) };
    const claim = await slots.claim(alice.userId, 'c-alice', 5);
    if (!claim.success) throw new Error('the slot should be free');
    await connections.save({ ...alice, connectionId: 'c-alice', connectedAt: now, slot: claim.data.slot });
    await connections.save({ ...bob, connectionId: 'c-bob', connectedAt: now - 3_600_000 });
    // Stored by a run whose clock was a day ahead of this one.
    await connections.save({ ...carol, connectionId: 'c-carol', connectedAt: now + 86_400_000 });
    for (const [connectionId, who, room] of [
      ['c-alice', alice, 'general'],
      ['c-alice', alice, 'random'],
      ['c-bob', bob, 'general'],
    ] as const) {
      expect(
        await rooms.join({ room, connectionId, userId: who.userId, username: who.username, joinedAt: now }),
      ).toBe('joined');
    }
    const roomMeta = { pk: 'ROOM#general', sk: 'META', room: 'general', title: 'General' };
    await documents.send(new PutCommand({ TableName: tableName, Item: roomMeta }));
    expect((await table.snapshot()).length).toBeGreaterThan(8);

    // Act
    const removed = await removeStaleConnections(connections, () => now);

    // Assess
    expect(removed).toBe(3);
    expect(await table.snapshot()).toEqual([roomMeta]);
  });

  it('finds nothing to remove in a table without connections', async () => {
    // Act / Assess
    expect(await removeStaleConnections(new DynamoConnectionStore(documents, tableName, ttlSeconds))).toBe(0);
  });
});
