import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoCallerGate } from '../../lambdas/adapters/dynamo-caller-gate.ts';
import type { Identity } from '../../lambdas/core/identity.ts';
import type { TokenVerifier } from '../../lambdas/core/ports.ts';
import { fail, ok } from '../../lambdas/core/result.ts';
import { createConnectHandler } from '../../lambdas/handlers/connect.ts';
import { createMessageRouteHandler } from '../../lambdas/handlers/message-route.ts';
import { createSweeperHandler } from '../../lambdas/handlers/sweeper.ts';
import {
  leftFramesOf,
  NOW,
  postsOf,
  publicationsOf,
  TABLE,
  type TestDeps,
  testDeps,
} from '../fixtures/session-deps.ts';
import { connectionItem, memberItem, roomOfConnectionItem } from '../fixtures/table-items.ts';
import { alice, bob, connectEvent, messageEvent } from '../fixtures/websocket-events.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const management = mockClient(ApiGatewayManagementApiClient);
const sqs = mockClient(SQSClient);
const nowSeconds = Math.floor(NOW / 1000);
const conditionFailed = (item?: Record<string, unknown>) =>
  new ConditionalCheckFailedException({
    message: 'condition',
    $metadata: {},
    ...(item ? { Item: item as never } : {}),
  });

let deps: TestDeps;

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  dynamo.reset();
  management.reset();
  management.on(PostToConnectionCommand).resolves({});
  management.on(DeleteConnectionCommand).resolves({});
  dynamo.on(GetCommand).resolves({});
  deps = testDeps();
});

function givenCaller(identity: Identity, connectionId = 'conn-a', connectedAt = NOW - 60_000) {
  dynamo
    .on(GetCommand, { Key: { pk: `CONN#${connectionId}`, sk: 'CONNECTION' } })
    .resolves({ Item: connectionItem(connectionId, identity, connectedAt) });
}

describe('token expiry on a live connection', () => {
  it.each([
    [{ action: 'sendMessage', room: 'general', content: 'hi' }],
    [{ action: 'joinRoom', room: 'general' }],
    [{ action: 'ping' }],
    ['plain text'],
  ])('answers %j with TOKEN_EXPIRED and does nothing else', async (body) => {
    // Prepare
    givenCaller({ ...alice, tokenExpiresAt: nowSeconds - 1 });
    const accepts = new Set(['text', 'ping', 'joinRoom', 'sendMessage'] as const);

    // Act
    await createMessageRouteHandler(accepts, deps)(messageEvent(body));

    // Assess
    expect(postsOf(management)).toEqual([
      expect.objectContaining({
        to: 'conn-a',
        frame: expect.objectContaining({ type: 'error', code: 'TOKEN_EXPIRED' }),
      }),
    ]);
    expect(dynamo).not.toHaveReceivedCommand(TransactWriteCommand);
    expect(dynamo).not.toHaveReceivedCommand(QueryCommand);
  });
});

describe('per-connection rate limit', () => {
  const limit = { perSecond: 10, burst: 2 };
  const limited = (closeAfterRefusals = 20) => ({
    ...deps,
    gate: new DynamoCallerGate(
      DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
      TABLE,
      limit,
    ),
    closeAfterRefusals,
  });
  const receivedAt = NOW - 35_000;
  /** The bucket holds a TAT this far beyond the frame's arrival: 150 ms over the burst tolerance of 100 ms. */
  const overTheRate = receivedAt + 250;
  const stored = (item: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(item).map(([name, value]) => [
        name,
        typeof value === 'number' ? { N: String(value) } : { S: String(value) },
      ]),
    );
  const givenBucket = (tat: number, refusalsAfter = 1) => {
    const item = { ...connectionItem('conn-a', alice, NOW - 60_000), rateTat: tat };
    dynamo.on(UpdateCommand).rejects(conditionFailed(stored(item)));
    dynamo
      .on(UpdateCommand, { UpdateExpression: 'ADD refusals :one' })
      .resolves({ Attributes: { ...item, refusals: refusalsAfter } });
  };
  const route = (closeAfterRefusals?: number) =>
    createMessageRouteHandler(new Set(['text', 'ping'] as const), limited(closeAfterRefusals));

  it('refuses a frame over the rate with RATE_LIMITED and retryAfter, and does nothing else', async () => {
    // Prepare
    givenBucket(overTheRate);

    // Act
    await route()(messageEvent({ action: 'ping', requestId: 'p' }, { requestTimeEpoch: receivedAt }));

    // Assess
    expect(postsOf(management)).toEqual([
      expect.objectContaining({
        frame: expect.objectContaining({
          code: 'RATE_LIMITED',
          retryAfter: 150,
          action: 'ping',
          requestId: 'p',
        }),
      }),
    ]);
    // The idle attempt failed and returned the bucket, so the doomed second attempt is skipped.
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 2);
    expect(dynamo).not.toHaveReceivedCommand(GetCommand);
  });

  it.each([
    ['malformed JSON', '{"action":'],
    ['an unknown action', '{"action":"explode"}'],
    ['a forbidden key', '{"action":"ping","__proto__":{}}'],
    ['plain text', 'junk'],
  ])(
    'charges %s to the bucket too: over the rate it gets RATE_LIMITED, not a parse error',
    async (_case, body) => {
      // Prepare
      givenBucket(overTheRate);

      // Act
      await route()(messageEvent(body, { requestTimeEpoch: receivedAt }));

      // Assess
      expect(postsOf(management)).toEqual([
        expect.objectContaining({ frame: expect.objectContaining({ type: 'error', code: 'RATE_LIMITED' }) }),
      ]);
    },
  );

  it('spends a token on an invalid frame within the rate and then answers with the parse error', async () => {
    // Prepare
    dynamo.on(UpdateCommand).resolves({ Attributes: connectionItem('conn-a', alice, NOW - 60_000) });

    // Act
    await route()(messageEvent('{"action":', { requestTimeEpoch: receivedAt }));

    // Assess
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(postsOf(management)[0]?.frame).toMatchObject({ type: 'error', code: 'MALFORMED_JSON' });
  });

  it('meters a frame by when API Gateway received it, not by when the function got to it', async () => {
    // Prepare: the function runs 35 s after the frame arrived (a backlog behind a stalled table).
    dynamo.on(UpdateCommand).resolves({ Attributes: connectionItem('conn-a', alice, NOW - 60_000) });

    // Act
    await route()(messageEvent({ action: 'ping' }, { requestTimeEpoch: receivedAt }));

    // Assess
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      ExpressionAttributeValues: expect.objectContaining({ ':at': receivedAt, ':tat': receivedAt + 100 }),
    });
  });

  it('admits a frame from an idle bucket in one conditional write that returns the caller and cannot recreate a removed connection', async () => {
    // Prepare
    dynamo.on(UpdateCommand).resolves({ Attributes: connectionItem('conn-a', alice, NOW - 60_000) });

    // Act
    await route()(messageEvent({ action: 'ping' }));

    // Assess
    expect(postsOf(management)[0]?.frame).toMatchObject({ type: 'pong' });
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(dynamo).not.toHaveReceivedCommand(GetCommand);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'CONN#conn-a', sk: 'CONNECTION' },
      ConditionExpression: expect.stringContaining('attribute_exists(pk)'),
      ReturnValues: 'ALL_NEW',
    });
  });

  it('admits a frame within the burst with a second conditional write, resetting the run of refusals', async () => {
    // Prepare: the bucket's TAT is 50 ms ahead, inside the 100 ms tolerance.
    const item = { ...connectionItem('conn-a', alice, NOW - 60_000), rateTat: receivedAt + 50 };
    dynamo.on(UpdateCommand).rejects(conditionFailed(stored(item)));
    dynamo
      .on(UpdateCommand, { UpdateExpression: 'SET rateTat = rateTat + :interval, refusals = :zero' })
      .resolves({ Attributes: item });

    // Act
    await route()(messageEvent({ action: 'ping' }, { requestTimeEpoch: receivedAt }));

    // Assess
    expect(postsOf(management)[0]?.frame).toMatchObject({ type: 'pong' });
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 2);
  });

  it('closes a connection that keeps sending while refused, saying why, and removes its rows', async () => {
    // Prepare: this is the 20th refusal in a row.
    givenBucket(overTheRate, 20);
    dynamo.on(QueryCommand).resolves({ Items: [connectionItem('conn-a', alice, NOW - 60_000)] });
    dynamo.on(BatchWriteCommand).resolves({});

    // Act
    await route(20)(messageEvent('junk', { requestTimeEpoch: receivedAt }));

    // Assess
    expect(postsOf(management)).toEqual([
      expect.objectContaining({
        to: 'conn-a',
        frame: { type: 'closing', code: 'TOO_MANY_REFUSALS', reason: expect.any(String), reconnect: true },
      }),
    ]);
    expect(dynamo).toHaveReceivedCommand(BatchWriteCommand);
    expect(management).toHaveReceivedCommandWith(DeleteConnectionCommand, { ConnectionId: 'conn-a' });
  });

  it('keeps answering refusals when closing is turned off', async () => {
    // Prepare
    givenBucket(overTheRate, 500);

    // Act
    await route(0)(messageEvent('junk', { requestTimeEpoch: receivedAt }));

    // Assess
    expect(postsOf(management)[0]?.frame).toMatchObject({ code: 'RATE_LIMITED' });
    expect(management).not.toHaveReceivedCommand(DeleteConnectionCommand);
  });

  it('closes a connection the table no longer knows with closing CONNECTION_UNKNOWN', async () => {
    // Prepare: every conditional update fails with no item to return.
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    dynamo.on(QueryCommand).resolves({ Items: [] });

    // Act
    await route()(messageEvent({ action: 'ping' }));

    // Assess
    expect(postsOf(management)).toEqual([
      expect.objectContaining({
        frame: expect.objectContaining({ type: 'closing', code: 'CONNECTION_UNKNOWN' }),
      }),
    ]);
    expect(management).toHaveReceivedCommandWith(DeleteConnectionCommand, { ConnectionId: 'conn-a' });
  });
});

describe('reauth', () => {
  const tokens: Record<string, Identity> = {
    'fresh-alice': { ...alice, tokenExpiresAt: nowSeconds + 3600, groups: ['moderator'] },
    'fresh-bob': { ...bob, tokenExpiresAt: nowSeconds + 3600 },
  };
  const verifier: TokenVerifier = {
    verify: async (token) =>
      tokens[token] ? ok(tokens[token]) : fail({ reason: 'JwtExpiredError', fault: 'client' as const }),
  };
  const reauthRoute = () => createMessageRouteHandler(new Set(['reauth'] as const), { ...deps, verifier });

  it('extends a connection whose token already expired with a fresh token of the same user', async () => {
    // Prepare
    givenCaller({ ...alice, tokenExpiresAt: nowSeconds - 10 });
    dynamo.on(UpdateCommand).resolves({});
    dynamo
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'CONN#conn-a', ':rooms': 'ROOM#' } })
      .resolves({ Items: [{ room: 'general' }, { room: 'ops' }] });

    // Act
    await reauthRoute()(
      messageEvent({ action: 'reauth', token: 'fresh-alice', requestId: 'r' }, { routeKey: 'reauth' }),
    );

    // Assess
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'CONN#conn-a', sk: 'CONNECTION' },
      ExpressionAttributeValues: expect.objectContaining({
        ':expiresAt': nowSeconds + 3600,
        ':groups': ['moderator'],
        ':userId': 'u-alice',
      }),
    });
    // Each membership carries the new expiry, so the rooms' member lists include the connection again.
    for (const room of ['general', 'ops']) {
      expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
        Key: { pk: `ROOM#${room}`, sk: 'CONN#conn-a' },
        UpdateExpression: 'SET tokenExpiresAt = :expiresAt',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':expiresAt': nowSeconds + 3600 },
      });
    }
    expect(postsOf(management)[0]?.frame).toEqual({
      type: 'reauthenticated',
      expiresAt: new Date((nowSeconds + 3600) * 1000).toISOString(),
      requestId: 'r',
    });
  });

  it('refuses another user’s token and closes the connection', async () => {
    // Prepare
    givenCaller(alice);
    dynamo.on(QueryCommand).resolves({ Items: [] });

    // Act
    await reauthRoute()(messageEvent({ action: 'reauth', token: 'fresh-bob' }, { routeKey: 'reauth' }));

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

  it('answers TOKEN_INVALID with the failed check and never logs the token', async () => {
    // Prepare
    givenCaller(alice);

    // Act
    await reauthRoute()(messageEvent({ action: 'reauth', token: 'eyJ.stale.token' }, { routeKey: 'reauth' }));

    // Assess
    expect(postsOf(management)[0]?.frame).toMatchObject({ code: 'TOKEN_INVALID', reason: 'JwtExpiredError' });
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
    expect(deps.logLines.join('\n')).not.toContain('eyJ.stale.token');
  });
});

describe('per-user connection cap at $connect', () => {
  const slotHeld = (connectionId: string, claimedAt: number) =>
    conditionFailed({ connectionId: { S: connectionId }, claimedAt: { N: String(claimedAt) } });

  it('claims a slot and stores it with the connection', async () => {
    // Prepare
    dynamo.on(PutCommand).resolves({});

    // Act
    const result = await createConnectHandler(testDeps(5))(connectEvent({ connectionId: 'conn-new' }));

    // Assess
    expect(result).toEqual({ statusCode: 200 });
    expect(dynamo).toHaveReceivedNthCommandWith(PutCommand, 1, {
      Item: expect.objectContaining({ pk: 'USER#u-alice', sk: 'SLOT#0', connectionId: 'conn-new' }),
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(dynamo).toHaveReceivedNthCommandWith(PutCommand, 2, {
      Item: expect.objectContaining({ pk: 'CONN#conn-new', slot: 0 }),
    });
  });

  it('refuses with 429 and stores nothing when every slot is held by a live or young connection', async () => {
    // Prepare
    dynamo.on(PutCommand).callsFake((input) => {
      const slot = Number(String(input.Item.sk).slice(5));
      throw slot === 0 ? slotHeld('conn-young', NOW - 1_000) : slotHeld(`conn-live-${slot}`, NOW - 600_000);
    });
    management.on(GetConnectionCommand).resolves({});

    // Act
    const result = await createConnectHandler(testDeps(3))(connectEvent({ connectionId: 'conn-new' }));

    // Assess
    expect(result).toMatchObject({ statusCode: 429, body: expect.stringContaining('limit 3') });
    expect(management).toHaveReceivedCommandTimes(GetConnectionCommand, 2);
    expect(management).not.toHaveReceivedCommandWith(GetConnectionCommand, { ConnectionId: 'conn-young' });
    expect(dynamo).not.toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ sk: 'CONNECTION' }),
    });
  });

  it('frees the slot of a connection that vanished without $disconnect, tells its rooms, and lets the new one in', async () => {
    // Prepare
    let stale = true;
    dynamo.on(PutCommand).callsFake((input) => {
      if (input.Item.sk === 'SLOT#0' && stale) throw slotHeld('conn-lost', NOW - 600_000);
      return {};
    });
    dynamo.on(DeleteCommand).callsFake(() => {
      stale = false;
      return {};
    });
    management
      .on(GetConnectionCommand, { ConnectionId: 'conn-lost' })
      .rejects(new GoneException({ message: 'gone', $metadata: {} }));
    dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'CONN#conn-lost' } }).resolves({
      Items: [
        { ...connectionItem('conn-lost', alice), slot: 0 },
        roomOfConnectionItem('conn-lost', 'general'),
      ],
    });
    dynamo
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'ROOM#general' } })
      .resolves({ Items: [memberItem('general', 'conn-b', bob)] });
    dynamo.on(BatchWriteCommand).resolves({});
    // The vanished connection was alice's last in the room: her presence goes, so does she from the count.
    dynamo.on(UpdateCommand).resolves({ Attributes: { members: 1 } });

    // Act
    const result = await createConnectHandler(testDeps(1))(connectEvent({ connectionId: 'conn-new' }));

    // Assess
    expect(result).toEqual({ statusCode: 200 });
    expect(dynamo).toHaveReceivedCommandWith(DeleteCommand, {
      Key: { pk: 'USER#u-alice', sk: 'SLOT#0' },
      ExpressionAttributeValues: { ':connectionId': 'conn-lost' },
    });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'ROOM#general', sk: 'PRES#alice' },
      UpdateExpression: 'DELETE connections :connection',
    });
    expect(postsOf(management)).toEqual([]);
    expect(leftFramesOf(publicationsOf(sqs))).toEqual([
      expect.objectContaining({ type: 'left', room: 'general', userId: 'u-alice' }),
    ]);
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ pk: 'CONN#conn-new', slot: 0 }),
    });
  });

  it('releases the claimed slot when the connection cannot be stored', async () => {
    // Prepare
    dynamo.on(PutCommand).callsFake((input) => {
      if (input.Item.sk === 'CONNECTION')
        throw Object.assign(new Error('boom'), { name: 'InternalServerError' });
      return {};
    });
    dynamo.on(DeleteCommand).resolves({});

    // Act
    const result = await createConnectHandler(testDeps(5))(connectEvent({ connectionId: 'conn-new' }));

    // Assess
    expect(result).toEqual({ statusCode: 500 });
    expect(dynamo).toHaveReceivedCommandWith(DeleteCommand, { Key: { pk: 'USER#u-alice', sk: 'SLOT#0' } });
  });
});

describe('sweeper', () => {
  const policy = { reauthNoticeSeconds: 120, reauthGraceSeconds: 30 };

  it('notifies once before expiry, closes what stayed expired past the grace, and clears rows outliving the 2-hour limit', async () => {
    // Prepare
    const expiring = connectionItem('conn-soon', { ...alice, tokenExpiresAt: nowSeconds + 60 }, NOW - 60_000);
    const expired = connectionItem('conn-old', { ...bob, tokenExpiresAt: nowSeconds - 31 }, NOW - 600_000);
    const outlived = connectionItem(
      'conn-2h',
      { ...alice, tokenExpiresAt: nowSeconds + 9999 },
      NOW - 7231_000,
    );
    dynamo.on(QueryCommand, { IndexName: 'bySweep' }).resolves({ Items: [] });
    dynamo
      .on(QueryCommand, { IndexName: 'bySweep', ExpressionAttributeValues: { ':shard': 'SWEEP#0' } })
      .resolves({ Items: [expiring, expired, outlived] });
    dynamo
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'CONN#conn-old' } })
      .resolves({ Items: [expired] });
    dynamo
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'CONN#conn-2h' } })
      .resolves({ Items: [outlived] });
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(BatchWriteCommand).resolves({});

    // Act
    const report = await createSweeperHandler(deps, policy)();

    // Assess
    expect(report).toEqual({ examined: 3, noticed: 1, closed: 2, failed: 0 });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'CONN#conn-soon', sk: 'CONNECTION' },
    });
    const frames = postsOf(management).map((post) => [
      post.to,
      (post.frame as { type: string; code?: string }).code ?? (post.frame as { type: string }).type,
    ]);
    expect(frames).toEqual(
      expect.arrayContaining([
        ['conn-soon', 'reauth_required'],
        ['conn-old', 'TOKEN_EXPIRED'],
      ]),
    );
    expect(postsOf(management).find((post) => post.to === 'conn-old')?.frame).toEqual({
      type: 'closing',
      code: 'TOKEN_EXPIRED',
      reason: expect.any(String),
      reconnect: false,
    });
    expect(frames).not.toContainEqual(['conn-2h', 'TOKEN_EXPIRED']);
    expect(management).toHaveReceivedCommandWith(DeleteConnectionCommand, { ConnectionId: 'conn-old' });
    expect(management).toHaveReceivedCommandWith(DeleteConnectionCommand, { ConnectionId: 'conn-2h' });
    expect(dynamo).toHaveReceivedCommandTimes(BatchWriteCommand, 2);
  });

  it('sends the notice only once per token', async () => {
    // Prepare
    const expiring = connectionItem('conn-soon', { ...alice, tokenExpiresAt: nowSeconds + 60 }, NOW - 60_000);
    dynamo.on(QueryCommand, { IndexName: 'bySweep' }).resolves({ Items: [] });
    dynamo
      .on(QueryCommand, { IndexName: 'bySweep', ExpressionAttributeValues: { ':shard': 'SWEEP#0' } })
      .resolves({ Items: [expiring] });
    dynamo.on(UpdateCommand).rejects(conditionFailed());

    // Act
    const report = await createSweeperHandler(deps, policy)();

    // Assess
    expect(report).toMatchObject({ examined: 1, noticed: 0 });
    expect(postsOf(management)).toHaveLength(0);
  });
});
