import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoConnectionSlots } from '../../lambdas/adapters/dynamo-connection-slots.ts';
import { DynamoConnectionStore } from '../../lambdas/adapters/dynamo-connection-store.ts';
import { DynamoRoomDirectory } from '../../lambdas/adapters/dynamo-room-directory.ts';
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
    const directory = new DynamoRoomDirectory(documents, tableName);
    for (const room of ['general', 'random']) {
      await directory.create({
        room,
        title: room,
        visibility: 'public',
        posting: 'everyone',
        owner: 'alice',
        epoch: 'e1',
        members: 0,
        createdAt: now,
      });
    }
    for (const [connectionId, who, room] of [
      ['c-alice', alice, 'general'],
      ['c-alice', alice, 'random'],
      ['c-bob', bob, 'general'],
    ] as const) {
      const membership = { room, connectionId, userId: who.userId, username: who.username, joinedAt: now };
      expect(
        await rooms.join(
          { ...membership, tokenExpiresAt: who.tokenExpiresAt },
          { epoch: 'e1', maxRoomsPerConnection: 0 },
        ),
      ).toBe('joined');
      expect(await rooms.addPresence(room, who, connectionId, now, 0)).toMatchObject({ userChanged: true });
    }
    expect((await table.snapshot()).length).toBeGreaterThan(8);

    // Act
    const removed = await removeStaleConnections(connections, rooms, () => now);

    // Assess
    expect(removed).toBe(3);
    // Only the rooms are left, with nobody in their presence or their counts.
    const left = await table.snapshot();
    expect(left.map((item) => `${item.pk} ${item.sk}`)).toEqual([
      'ROOM#general META',
      'ROOM#general SEQ',
      'ROOM#random META',
      'ROOM#random SEQ',
    ]);
    expect(left.filter((item) => item.sk === 'META').map((item) => item.members)).toEqual([0, 0]);
  });

  it('finds nothing to remove in a table without connections', async () => {
    // Act / Assess
    expect(
      await removeStaleConnections(
        new DynamoConnectionStore(documents, tableName, ttlSeconds),
        new DynamoRoomStore(documents, tableName, ttlSeconds),
      ),
    ).toBe(0);
  });
});
