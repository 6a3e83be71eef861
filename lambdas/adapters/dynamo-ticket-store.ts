/**
 * Connection tickets as items TICKET#<sha256 of ticket> / TICKET, holding the identity of the token they
 * were issued for. The ticket itself (sealed by lambdas/core/connection-tickets.ts) is never stored. Redeeming is ONE conditional DeleteItem that returns the deleted item: of two
 * concurrent redemptions DynamoDB lets exactly one delete succeed, so a ticket opens at most one
 * connection, across every Lambda instance. `validUntil` (epoch ms) is the authority on expiry;
 * `expiresAt` (epoch s) only lets DynamoDB TTL sweep unused tickets away, which may take days.
 */
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ticketDigest } from '../core/connection-tickets.ts';
import { StoreError } from '../core/errors.ts';
import type { Identity } from '../core/identity.ts';
import type { Clock, TicketStore } from '../core/ports.ts';
import { isConditionFailure } from './dynamo-conditions.ts';
import { keys, tableLayout } from './table-layout.ts';

export class DynamoTicketStore implements TicketStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: Clock = Date.now,
  ) {}

  async save(ticket: string, identity: Identity, validUntil: number): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.ticket(ticketDigest(ticket)),
          userId: identity.userId,
          username: identity.username,
          groups: [...identity.groups],
          tokenExpiresAt: identity.tokenExpiresAt,
          validUntil,
          [tableLayout.timeToLiveAttribute]: Math.ceil(validUntil / 1000),
        },
        // 96 random bits per expiry second never collide in practice; the condition makes "never" certain.
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async redeem(ticket: string): Promise<Identity | undefined> {
    let attributes: Record<string, unknown> | undefined;
    try {
      const response = await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.ticket(ticketDigest(ticket)),
          ConditionExpression: 'attribute_exists(pk) AND validUntil > :now',
          ExpressionAttributeValues: { ':now': this.now() },
          ReturnValues: 'ALL_OLD',
        }),
      );
      attributes = response.Attributes;
    } catch (error) {
      // Unknown, already redeemed or expired: the same answer for all three.
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
    return identityOf(attributes);
  }
}

function identityOf(item: Record<string, unknown> | undefined): Identity {
  const { userId, username, groups, tokenExpiresAt } = item ?? {};
  if (
    typeof userId !== 'string' ||
    userId === '' ||
    typeof username !== 'string' ||
    typeof tokenExpiresAt !== 'number' ||
    !Array.isArray(groups) ||
    !groups.every((group) => typeof group === 'string')
  ) {
    throw new StoreError('a redeemed ticket item does not hold an identity');
  }
  return { userId, username, groups, tokenExpiresAt };
}
