import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoTicketStore } from '../../lambdas/adapters/dynamo-ticket-store.ts';
import { keys } from '../../lambdas/adapters/table-layout.ts';
import { ticketDigest } from '../../lambdas/core/connection-tickets.ts';
import { StoreError } from '../../lambdas/core/errors.ts';
import { sealedTicket } from '../fixtures/tickets.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const tableName = 'parley-test';
const now = 1_800_000_000_000;
const identity = {
  userId: 'user-1',
  username: 'alice',
  groups: ['moderator'],
  tokenExpiresAt: 1_800_003_600,
};

beforeEach(() => {
  dynamo.reset();
});

/** aws-sdk-client-mock patches every DynamoDBDocumentClient, so this one never reaches the network. */
function newStore() {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
  );
  return new DynamoTicketStore(client, tableName, () => now);
}

describe('DynamoTicketStore.save', () => {
  it('stores only the hash of the ticket, with the identity, validity and TTL', async () => {
    // Prepare
    dynamo.on(PutCommand).resolves({});
    const ticket = sealedTicket(1_800_000_031);

    // Act
    await newStore().save(ticket, identity, now + 30_000);

    // Assess
    expect(dynamo).toHaveReceivedCommandTimes(PutCommand, 1);
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: tableName,
      Item: {
        ...keys.ticket(ticketDigest(ticket)),
        userId: 'user-1',
        username: 'alice',
        groups: ['moderator'],
        tokenExpiresAt: 1_800_003_600,
        validUntil: now + 30_000,
        expiresAt: Math.ceil((now + 30_000) / 1000),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(JSON.stringify(dynamo.commandCalls(PutCommand)[0]?.args[0].input)).not.toContain(ticket);
  });
});

describe('DynamoTicketStore.redeem', () => {
  const ticket = 'A'.repeat(43);

  it('redeems with one conditional delete and returns the identity', async () => {
    // Prepare
    dynamo
      .on(DeleteCommand)
      .resolves({ Attributes: { ...identity, validUntil: now + 1, pk: 'x', sk: 'TICKET' } });

    // Act
    const redeemed = await newStore().redeem(ticket);

    // Assess
    expect(redeemed).toEqual(identity);
    expect(dynamo.calls()).toHaveLength(1);
    expect(dynamo).toHaveReceivedCommandWith(DeleteCommand, {
      TableName: tableName,
      Key: keys.ticket(ticketDigest(ticket)),
      ConditionExpression: 'attribute_exists(pk) AND validUntil > :now',
      ExpressionAttributeValues: { ':now': now },
      ReturnValues: 'ALL_OLD',
    });
  });

  it('returns undefined for an unknown, used or expired ticket (the condition fails)', async () => {
    // Prepare
    dynamo
      .on(DeleteCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );

    // Act
    const redeemed = await newStore().redeem(ticket);

    // Assess
    expect(redeemed).toBeUndefined();
  });

  it('lets exactly one of two concurrent redemptions through', async () => {
    // Prepare
    dynamo
      .on(DeleteCommand)
      .resolvesOnce({ Attributes: { ...identity, validUntil: now + 1 } })
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    const tickets = newStore();

    // Act
    const results = await Promise.all([tickets.redeem(ticket), tickets.redeem(ticket)]);

    // Assess
    expect(results.filter((result) => result !== undefined)).toEqual([identity]);
  });

  it('rethrows other failures', async () => {
    // Prepare
    dynamo
      .on(DeleteCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));

    // Act & Assess
    await expect(newStore().redeem(ticket)).rejects.toThrow('slow down');
  });

  it('refuses an item that holds no identity as a store error', async () => {
    // Prepare
    dynamo.on(DeleteCommand).resolves({ Attributes: { userId: 'user-1' } });

    // Act & Assess
    await expect(newStore().redeem(ticket)).rejects.toBeInstanceOf(StoreError);
  });
});
