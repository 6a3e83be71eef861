import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  InternalServerError,
} from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoTicketStore } from '../../lambdas/adapters/dynamo-ticket-store.ts';
import { ticketDigest } from '../../lambdas/core/connection-tickets.ts';
import type { Identity } from '../../lambdas/core/identity.ts';
import type { TokenVerifier } from '../../lambdas/core/ports.ts';
import { fail, ok } from '../../lambdas/core/result.ts';
import { createMessageRouteHandler } from '../../lambdas/handlers/message-route.ts';
import { NOW, postsOf, TABLE, type TestDeps, testDeps } from '../fixtures/session-deps.ts';
import { connectionItem } from '../fixtures/table-items.ts';
import { sealedTicket, strangerTicketKey, testTicketKeySource } from '../fixtures/tickets.ts';
import { alice, bob, messageEvent } from '../fixtures/websocket-events.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const management = mockClient(ApiGatewayManagementApiClient);
const secrets = mockClient(SecretsManagerClient);
const nowSeconds = Math.floor(NOW / 1000);
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'condition', $metadata: {} });

let deps: TestDeps;

beforeEach(() => {
  dynamo.reset();
  management.reset();
  secrets.reset();
  management.on(PostToConnectionCommand).resolves({});
  management.on(DeleteConnectionCommand).resolves({});
  dynamo.on(GetCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  // The connection's rooms (none), read to move each membership's expiry or to remove them when closing.
  dynamo.on(QueryCommand).resolves({ Items: [] });
  dynamo.on(BatchWriteCommand).resolves({});
  deps = testDeps();
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

function givenCaller(identity: Identity, connectionId = 'conn-a') {
  dynamo
    .on(GetCommand, { Key: { pk: `CONN#${connectionId}`, sk: 'CONNECTION' } })
    .resolves({ Item: connectionItem(connectionId, identity, NOW - 60_000) });
}

/** A stored ticket for `identity`: what the conditional delete hands back once. */
function givenStoredTicket(ticket: string, identity: Identity) {
  dynamo
    .on(DeleteCommand, { Key: { pk: `TICKET#${ticketDigest(ticket)}`, sk: 'TICKET' } })
    .resolvesOnce({ Attributes: { ...identity, validUntil: NOW + 10_000 } })
    .rejects(conditionFailed());
}

const tokens: Record<string, Identity> = {
  'fresh-alice': { ...alice, tokenExpiresAt: nowSeconds + 3600 },
};

function reauthRoute(verifier?: TokenVerifier) {
  const tickets = new DynamoTicketStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    TABLE,
    () => NOW,
  );
  const routeDeps = {
    ...deps,
    verifier: verifier ?? {
      verify: async (token: string) =>
        tokens[token] ? ok(tokens[token]) : fail({ reason: 'JwtExpiredError', fault: 'client' as const }),
    },
    tickets: { store: tickets, key: testTicketKeySource, now: () => NOW },
  };
  return createMessageRouteHandler(new Set(['reauth'] as const), routeDeps);
}

const reauthWith = (body: Record<string, unknown>) =>
  messageEvent({ action: 'reauth', ...body }, { routeKey: 'reauth' });

describe('reauth with a ticket', () => {
  it('extends the connection with the identity the ticket was issued for, spending the ticket', async () => {
    // Prepare
    givenCaller({ ...alice, tokenExpiresAt: nowSeconds - 5 });
    const ticket = sealedTicket(nowSeconds + 30);
    givenStoredTicket(ticket, { ...alice, groups: ['moderator'], tokenExpiresAt: nowSeconds + 3600 });

    // Act
    await reauthRoute()(reauthWith({ ticket, requestId: 'r1' }));

    // Assess
    expect(dynamo).toHaveReceivedCommandTimes(DeleteCommand, 1);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'CONN#conn-a', sk: 'CONNECTION' },
      ExpressionAttributeValues: expect.objectContaining({
        ':expiresAt': nowSeconds + 3600,
        ':groups': ['moderator'],
      }),
    });
    expect(postsOf(management).map((post) => post.frame)).toEqual([
      {
        type: 'reauthenticated',
        expiresAt: new Date((nowSeconds + 3600) * 1000).toISOString(),
        requestId: 'r1',
      },
    ]);
  });

  it.each([
    ['a forged ticket', () => 'A'.repeat(43), 'TicketForged'],
    [
      'a ticket sealed under another key',
      () => sealedTicket(nowSeconds + 30, strangerTicketKey),
      'TicketForged',
    ],
    ['an expired ticket', () => sealedTicket(nowSeconds - 1), 'TicketExpired'],
  ])(
    'answers %s with TOKEN_INVALID naming %s, without touching the ticket store',
    async (_case, makeTicket, reason) => {
      // Prepare
      givenCaller(alice);
      const ticket = makeTicket();

      // Act
      await reauthRoute()(reauthWith({ ticket, requestId: 'r2' }));

      // Assess
      expect(postsOf(management).map((post) => post.frame)).toEqual([
        expect.objectContaining({
          type: 'error',
          code: 'TOKEN_INVALID',
          reason,
          action: 'reauth',
          requestId: 'r2',
        }),
      ]);
      expect(dynamo).not.toHaveReceivedCommand(DeleteCommand);
      expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
      expect(deps.logLines.join('\n')).not.toContain(ticket);
    },
  );

  it('answers a ticket used before with TOKEN_INVALID TicketSpent', async () => {
    // Prepare
    givenCaller(alice);
    const ticket = sealedTicket(nowSeconds + 30);
    givenStoredTicket(ticket, { ...alice, tokenExpiresAt: nowSeconds + 3600 });
    const route = reauthRoute();

    // Act
    await route(reauthWith({ ticket }));
    await route(reauthWith({ ticket }));

    // Assess
    expect(postsOf(management).map((post) => post.frame)).toEqual([
      expect.objectContaining({ type: 'reauthenticated' }),
      expect.objectContaining({ code: 'TOKEN_INVALID', reason: 'TicketSpent' }),
    ]);
  });

  it('refuses another user’s ticket and closes the connection', async () => {
    // Prepare
    givenCaller(alice);
    const ticket = sealedTicket(nowSeconds + 30);
    givenStoredTicket(ticket, { ...bob, tokenExpiresAt: nowSeconds + 3600 });

    // Act
    await reauthRoute()(reauthWith({ ticket }));

    // Assess
    expect(postsOf(management).map((post) => post.frame)).toEqual([
      expect.objectContaining({ type: 'error', code: 'REAUTH_USER_MISMATCH' }),
      { type: 'closing', code: 'REAUTH_USER_MISMATCH', reason: expect.any(String), reconnect: false },
    ]);
    expect(management).toHaveReceivedCommandWith(DeleteConnectionCommand, { ConnectionId: 'conn-a' });
    // The connection keeps its identity to the end: nothing of the other user's is written.
    expect(dynamo).not.toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'CONN#conn-a', sk: 'CONNECTION' },
    });
  });

  it('answers a ticket-store failure with INTERNAL_ERROR', async () => {
    // Prepare
    givenCaller(alice);
    dynamo.on(DeleteCommand).rejects(new InternalServerError({ message: 'boom', $metadata: {} }));

    // Act
    await reauthRoute()(reauthWith({ ticket: sealedTicket(nowSeconds + 30) }));

    // Assess
    expect(postsOf(management).map((post) => post.frame)).toEqual([
      expect.objectContaining({ type: 'error', code: 'INTERNAL_ERROR' }),
    ]);
  });
});

describe('reauth with a token the server could not check', () => {
  it('answers INTERNAL_ERROR (try again), not TOKEN_INVALID (log in again)', async () => {
    // Prepare
    givenCaller(alice);
    const verifier: TokenVerifier = {
      verify: async () => fail({ reason: 'FetchError', fault: 'server' }),
    };

    // Act
    await reauthRoute(verifier)(reauthWith({ token: 'a.b.c', requestId: 'r3' }));

    // Assess
    expect(postsOf(management).map((post) => post.frame)).toEqual([
      expect.objectContaining({ type: 'error', code: 'INTERNAL_ERROR', action: 'reauth', requestId: 'r3' }),
    ]);
    expect(deps.logLines.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ level: 'ERROR', reason: 'FetchError' }),
    );
  });
});

describe('the reauth function', () => {
  const secretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ticket-key';

  it('reads the ticket key once, answers INTERNAL_ERROR to tickets while it cannot be read, and takes tokens meanwhile', async () => {
    // Prepare
    vi.stubEnv('TICKET_KEY_SECRET_ARN', secretArn);
    vi.resetModules();
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(new Error('Secrets Manager is unreachable'))
      .resolves({ SecretString: 'r'.repeat(40) });
    givenCaller(alice);
    const { handler } = await import('../../lambdas/handlers/reauth.ts');
    const ticket = sealedTicket(nowSeconds + 3600);

    // Act
    const first = await handler(reauthWith({ ticket, requestId: 'k1' }));
    const token = await handler(reauthWith({ token: 'not.a.jwt', requestId: 't1' }));
    const second = await handler(reauthWith({ ticket, requestId: 'k2' }));
    const third = await handler(reauthWith({ ticket, requestId: 'k3' }));

    // Assess
    expect([first, token, second, third]).toEqual([
      { statusCode: 500 },
      { statusCode: 200 },
      { statusCode: 200 },
      { statusCode: 200 },
    ]);
    expect(postsOf(management).map((post) => post.frame)).toEqual([
      expect.objectContaining({ code: 'INTERNAL_ERROR' }),
      // Judged without the key: the token itself is refused.
      expect.objectContaining({ code: 'TOKEN_INVALID', reason: 'JwtParseError', requestId: 't1' }),
      // Sealed under the test key, not the secret's: refused without the table.
      expect.objectContaining({ code: 'TOKEN_INVALID', reason: 'TicketForged', requestId: 'k2' }),
      expect.objectContaining({ code: 'TOKEN_INVALID', reason: 'TicketForged', requestId: 'k3' }),
    ]);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: secretArn });
  });

  it('fails its cold start without TICKET_KEY_SECRET_ARN', async () => {
    // Prepare
    vi.stubEnv('TICKET_KEY_SECRET_ARN', '');
    vi.resetModules();

    // Act
    const importing = import('../../lambdas/handlers/reauth.ts');

    // Assess
    await expect(importing).rejects.toThrow(/TICKET_KEY_SECRET_ARN is required/);
  });
});
