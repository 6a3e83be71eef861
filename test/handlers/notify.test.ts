import {
  ApiGatewayManagementApiClient,
  GoneException,
  LimitExceededException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { InternalServerError } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../lambdas/adapters/token-verifier.ts';
import type { TokenIssuerConfig } from '../../lambdas/config.ts';
import type { Identity } from '../../lambdas/core/identity.ts';
import { createNotifyHandler } from '../../lambdas/handlers/notify.ts';
import {
  type HttpBody,
  jsonBody,
  notifyEvent,
  serviceNotifyEvent,
  testIamCaller,
} from '../fixtures/http-events.ts';
import {
  jwksOf,
  oidcAccessClaims,
  oidcAudience,
  oidcIssuer,
  oidcJwksUri,
  rsaKey,
  signJwt,
  staticJwksFetcher,
} from '../fixtures/jwt.ts';
import {
  framesOfPublications,
  NOW,
  postsOf,
  publicationsOf,
  TABLE,
  type TestDeps,
  testDeps,
} from '../fixtures/session-deps.ts';
import { connectionItem, memberItem, roomOfConnectionItem } from '../fixtures/table-items.ts';
import { alice } from '../fixtures/websocket-events.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const management = mockClient(ApiGatewayManagementApiClient);
const sqs = mockClient(SQSClient);

const key = rsaKey('notify-key');
const stranger = rsaKey('stranger-key');
const jwks = jwksOf(key);
const config: TokenIssuerConfig = {
  kind: 'oidc',
  issuer: oidcIssuer,
  audience: [oidcAudience],
  jwksUri: oidcJwksUri,
  tokenUse: 'access',
  groupsClaim: 'cognito:groups',
};
const nowSeconds = () => Math.floor(Date.now() / 1000);
const adminToken = () =>
  signJwt(key, oidcAccessClaims({ sub: 'u-dave', username: 'dave', 'cognito:groups': ['admin'] }));
const moderatorToken = () =>
  signJwt(key, oidcAccessClaims({ sub: 'u-carol', username: 'carol', 'cognito:groups': ['moderator'] }));

const bob: Identity = { userId: 'u-bob', username: 'bob', groups: [], tokenExpiresAt: 4_000_000_000 };
const carol: Identity = {
  userId: 'u-carol',
  username: 'carol',
  groups: ['moderator'],
  tokenExpiresAt: 4_000_000_000,
};
const NOW_SECONDS = Math.floor(NOW / 1000);

let deps: TestDeps;

function verifier() {
  const created = createTokenVerifier(config, { fetcher: staticJwksFetcher(jwks) });
  created.cacheJwks(jwks);
  return created;
}

function notifyHandler(overrides: { verifier?: ReturnType<typeof createTokenVerifier> } = {}) {
  return createNotifyHandler({ ...deps, verifier: overrides.verifier ?? verifier() });
}

const logs = () => deps.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
const bodyOf = (response: { body?: string }) => JSON.parse(response.body ?? '') as Record<string, unknown>;
const notifications = () =>
  postsOf(management).filter((post) => (post.frame as { type?: string }).type === 'notification');

/** bob on conn-b1 and conn-b2 (byUser); room general holds alice (conn-a) and carol (conn-c). */
function givenConnections() {
  dynamo.on(QueryCommand).resolves({ Items: [] });
  dynamo
    .on(QueryCommand, { IndexName: 'byUser', ExpressionAttributeValues: { ':user': 'USER#bob' } })
    .resolves({ Items: [connectionItem('conn-b1', bob), connectionItem('conn-b2', bob)] });
  dynamo
    .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'ROOM#general' } })
    .resolves({ Items: [memberItem('general', 'conn-a', alice), memberItem('general', 'conn-c', carol)] });
  dynamo.on(UpdateCommand).resolves({ Attributes: { members: 1 } });
  dynamo.on(BatchWriteCommand).resolves({});
  dynamo.on(DeleteCommand).resolves({});
}

beforeEach(() => {
  dynamo.reset();
  management.reset();
  management.on(PostToConnectionCommand).resolves({});
  sqs.reset();
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  deps = testDeps();
});

describe('POST /notify by an administrator', () => {
  it('delivers one frame to every connection of the user and answers 202 with the id and the count', async () => {
    // Prepare
    givenConnections();
    const body = jsonBody({
      to: { user: 'bob' },
      title: 'Maintenance',
      content: 'Back at 10:00',
      data: { level: 'info', at: [10, 0] },
    });

    // Act
    const response = await notifyHandler()(notifyEvent(adminToken(), body));

    // Assess
    expect(response.statusCode).toBe(202);
    expect(bodyOf(response)).toEqual({ id: 'msg-1', delivered: 2 });
    expect(response.headers).toMatchObject({ 'cache-control': 'no-store' });
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, {
      TableName: TABLE,
      IndexName: 'byUser',
      KeyConditionExpression: 'userPk = :user',
      ExpressionAttributeValues: { ':user': 'USER#bob' },
    });
    const expected = {
      type: 'notification',
      id: 'msg-1',
      title: 'Maintenance',
      content: 'Back at 10:00',
      data: { level: 'info', at: [10, 0] },
      from: 'dave',
      time: new Date(NOW).toISOString(),
    };
    expect(notifications()).toEqual([
      expect.objectContaining({ to: 'conn-b1', frame: expected }),
      expect.objectContaining({ to: 'conn-b2', frame: expected }),
    ]);
    expect(postsOf(management)).toHaveLength(2);
  });

  it('leaves title and data out of the frame when the sender gave none, and keeps a null data', async () => {
    // Prepare
    givenConnections();

    // Act
    await notifyHandler()(notifyEvent(adminToken(), jsonBody({ to: { user: 'bob' }, content: 'plain' })));
    await notifyHandler()(
      notifyEvent(adminToken(), jsonBody({ to: { user: 'bob' }, content: 'x', data: null })),
    );

    // Assess
    const [plain, withNull] = [notifications()[0]?.frame, notifications()[2]?.frame];
    expect(Object.keys(plain as object).sort()).toEqual(['content', 'from', 'id', 'time', 'type']);
    expect(withNull).toMatchObject({ id: 'msg-2', data: null });
  });

  it('sends nothing to a connection of the user whose token has expired', async () => {
    // Prepare
    givenConnections();
    dynamo
      .on(QueryCommand, { IndexName: 'byUser', ExpressionAttributeValues: { ':user': 'USER#bob' } })
      .resolves({
        Items: [
          connectionItem('conn-b1', bob),
          connectionItem('conn-b2', { ...bob, tokenExpiresAt: NOW_SECONDS }),
        ],
      });

    // Act
    const response = await notifyHandler()(
      notifyEvent(adminToken(), jsonBody({ to: { user: 'bob' }, content: 'hi' })),
    );

    // Assess
    expect(bodyOf(response)).toMatchObject({ delivered: 1 });
    expect(notifications().map((post) => post.to)).toEqual(['conn-b1']);
  });

  it("hands a room's notification to the room's sequencer, which delivers to its members only", async () => {
    // Prepare
    givenConnections();

    // Act
    const response = await notifyHandler()(
      notifyEvent(adminToken(), jsonBody({ to: { room: 'general' }, content: 'Room news' })),
    );

    // Assess
    expect(response.statusCode).toBe(202);
    expect(bodyOf(response)).toEqual({ id: 'msg-1', queued: true });
    expect(publicationsOf(sqs)).toEqual([
      {
        group: 'general',
        publication: {
          kind: 'frame',
          room: 'general',
          frame: expect.stringContaining('"type":"notification"'),
        },
      },
    ]);
    expect(notifications()).toEqual([]);
  });

  it('reads every connection through each shard of the bySweep index, never a Scan, and queues them in groups', async () => {
    // Prepare
    givenConnections();
    dynamo
      .on(QueryCommand, { IndexName: 'bySweep', ExpressionAttributeValues: { ':shard': 'SWEEP#2' } })
      .resolvesOnce({ Items: [connectionItem('conn-a', alice)], LastEvaluatedKey: { sweepPk: 'SWEEP#2' } })
      .resolvesOnce({ Items: [connectionItem('conn-b1', bob)] })
      .resolves({ Items: [] });
    dynamo
      .on(QueryCommand, { IndexName: 'bySweep', ExpressionAttributeValues: { ':shard': 'SWEEP#7' } })
      .resolves({
        Items: [
          connectionItem('conn-c', carol),
          connectionItem('conn-b2', bob),
          connectionItem('conn-old', { ...bob, tokenExpiresAt: NOW_SECONDS - 1 }),
        ],
      });

    // Act
    const response = await notifyHandler()(
      notifyEvent(adminToken(), jsonBody({ to: { everyone: true }, content: 'To all' })),
    );

    // Assess
    expect(bodyOf(response)).toEqual({ id: 'msg-1', queued: 4 });
    const shards = dynamo
      .commandCalls(QueryCommand)
      .map((call) => call.args[0].input)
      .filter((input) => input.IndexName === 'bySweep');
    expect(shards.map((input) => input.ExpressionAttributeValues?.[':shard'])).toEqual([
      'SWEEP#0',
      'SWEEP#1',
      'SWEEP#2',
      'SWEEP#2',
      'SWEEP#3',
      'SWEEP#4',
      'SWEEP#5',
      'SWEEP#6',
      'SWEEP#7',
    ]);
    for (const input of shards) expect(input.KeyConditionExpression).toBe('sweepPk = :shard');
    expect(dynamo).not.toHaveReceivedCommand(ScanCommand);
    // An expired token is no longer an authenticated user: it is not among the recipients.
    expect(publicationsOf(sqs)).toEqual([
      {
        group: '~everyone-0',
        publication: expect.objectContaining({
          kind: 'frame',
          recipients: ['conn-a', 'conn-b1', 'conn-c', 'conn-b2'],
        }),
      },
    ]);
  });

  it('removes a connection found gone, takes it out of presence so its room hears left, and does not count it', async () => {
    // Prepare
    givenConnections();
    management
      .on(PostToConnectionCommand, { ConnectionId: 'conn-b1' })
      .rejects(new GoneException({ message: 'gone', $metadata: { httpStatusCode: 410 } }));
    dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'CONN#conn-b1' } }).resolves({
      Items: [connectionItem('conn-b1', bob), roomOfConnectionItem('conn-b1', 'general')],
    });
    // bob's presence in general had only conn-b1: he leaves the room.
    dynamo
      .on(UpdateCommand, { Key: { pk: 'ROOM#general', sk: 'PRES#bob' } })
      .resolves({ Attributes: { pk: 'ROOM#general', sk: 'PRES#bob' } });

    // Act
    const response = await notifyHandler()(
      notifyEvent(adminToken(), jsonBody({ to: { user: 'bob' }, content: 'hi' })),
    );

    // Assess
    expect(response.statusCode).toBe(202);
    expect(bodyOf(response)).toMatchObject({ delivered: 1 });
    expect(dynamo).toHaveReceivedCommandWith(BatchWriteCommand, {
      RequestItems: {
        [TABLE]: [
          { DeleteRequest: { Key: { pk: 'CONN#conn-b1', sk: 'CONNECTION' } } },
          { DeleteRequest: { Key: { pk: 'CONN#conn-b1', sk: 'ROOM#general' } } },
          { DeleteRequest: { Key: { pk: 'ROOM#general', sk: 'CONN#conn-b1' } } },
        ],
      },
    });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { Key: { pk: 'ROOM#general', sk: 'PRES#bob' } });
    expect(framesOfPublications(publicationsOf(sqs))).toEqual([
      expect.objectContaining({ type: 'left', room: 'general', username: 'bob' }),
    ]);
    expect(logs()).toContainEqual(
      expect.objectContaining({ message: 'notification sent', delivered: 1, gone: 1 }),
    );
  });

  it('counts a throttled post out of delivered, logs it and keeps the connection', async () => {
    // Prepare
    givenConnections();
    management
      .on(PostToConnectionCommand, { ConnectionId: 'conn-b2' })
      .rejects(new LimitExceededException({ message: 'slow down', $metadata: { httpStatusCode: 429 } }));

    // Act
    const response = await notifyHandler()(
      notifyEvent(adminToken(), jsonBody({ to: { user: 'bob' }, content: 'hi' })),
    );

    // Assess
    expect(response.statusCode).toBe(202);
    expect(bodyOf(response)).toMatchObject({ delivered: 1 });
    expect(dynamo).not.toHaveReceivedCommand(BatchWriteCommand);
    expect(logs()).toContainEqual(
      expect.objectContaining({
        message: 'post still failing at the deadline',
        connectionId: 'conn-b2',
        throttled: true,
      }),
    );
    expect(logs()).toContainEqual(expect.objectContaining({ message: 'notification sent', failed: 1 }));
  });

  it('gives a different id to each notification', async () => {
    // Prepare
    givenConnections();
    const event = () => notifyEvent(adminToken(), jsonBody({ to: { user: 'bob' }, content: 'again' }));

    // Act
    const first = bodyOf(await notifyHandler()(event()));
    const second = bodyOf(await notifyHandler()(event()));

    // Assess
    expect(first.id).not.toBe(second.id);
  });

  it('answers 500 without details when the store fails', async () => {
    // Prepare
    dynamo.on(QueryCommand).rejects(new InternalServerError({ message: 'table on fire', $metadata: {} }));

    // Act
    const response = await notifyHandler()(
      notifyEvent(adminToken(), jsonBody({ to: { user: 'bob' }, content: 'hi' })),
    );

    // Assess
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({ message: 'Notification could not be sent; try again later' });
    expect(logs()).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'notification failed',
        errorName: 'InternalServerError',
      }),
    );
  });

  it('never logs the token, the title, the content or the data', async () => {
    // Prepare
    givenConnections();
    const token = adminToken();
    const secretBits = ['TITLE-7f3a', 'CONTENT-91bc', 'DATA-44de'];

    // Act
    await notifyHandler()(
      notifyEvent(
        token,
        jsonBody({ to: { user: 'bob' }, title: secretBits[0], content: secretBits[1], data: secretBits[2] }),
      ),
    );
    await notifyHandler()(
      notifyEvent(token, jsonBody({ to: { user: 'bob' }, content: `${secretBits[1]}\u0000` })),
    );

    // Assess
    const printed = deps.logLines.join('\n');
    expect(printed).toContain('notification sent');
    expect(printed).toContain('notification refused');
    expect(printed).not.toContain(token);
    expect(printed).not.toContain(token.split('.')[2] as string);
    for (const bit of secretBits) expect(printed).not.toContain(bit);
  });
});

describe('POST /notify refused', () => {
  const nothingHappened = () => {
    expect(dynamo.calls()).toHaveLength(0);
    expect(management.calls()).toHaveLength(0);
  };

  it.each([
    ['no Authorization header', null],
    ['an empty Authorization header', ''],
    ['another scheme', 'Basic ZGF2ZTpwYXNzd29yZDQ='],
    ['the scheme alone', 'Bearer'],
  ])('answers %s with 401 Missing bearer token', async (_case, authorization) => {
    // Act
    const response = await notifyHandler()(
      notifyEvent(undefined, jsonBody({ to: { everyone: true }, content: 'x' }), { authorization }),
    );

    // Assess
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response)).toEqual({ message: 'Missing bearer token' });
    expect(response.headers).toMatchObject({ 'www-authenticate': 'Bearer' });
    nothingHappened();
  });

  it.each([
    [
      'an expired token',
      () => signJwt(key, oidcAccessClaims({ 'cognito:groups': ['admin'], exp: nowSeconds() - 5 })),
      'JwtExpiredError',
    ],
    [
      'a token signed by another key',
      () => signJwt(stranger, oidcAccessClaims({ 'cognito:groups': ['admin'] }), { kid: key.kid }),
      'JwtInvalidSignatureError',
    ],
    [
      'a token of another audience',
      () => signJwt(key, oidcAccessClaims({ 'cognito:groups': ['admin'], aud: 'elsewhere' })),
      'JwtInvalidAudienceError',
    ],
    ['garbage', () => 'not.a.jwt', 'JwtParseError'],
  ])('answers %s with 401 invalid_token and the failed check in the log', async (_case, token, reason) => {
    // Act
    const response = await notifyHandler()(
      notifyEvent(token(), jsonBody({ to: { everyone: true }, content: 'x' })),
    );

    // Assess
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response)).toEqual({ message: 'Invalid or expired token' });
    expect(response.headers).toMatchObject({ 'www-authenticate': 'Bearer error="invalid_token"' });
    expect(logs()).toEqual([expect.objectContaining({ message: 'notification refused', reason })]);
    nothingHappened();
  });

  it.each([
    ['a moderator', moderatorToken],
    [
      'a user without groups',
      () => signJwt(key, oidcAccessClaims({ username: 'alice', 'cognito:groups': [] })),
    ],
    [
      'a user whose groups merely contain the word',
      () => signJwt(key, oidcAccessClaims({ 'cognito:groups': ['admins', 'Admin'] })),
    ],
  ])('answers %s with 403 and delivers nothing', async (_case, token) => {
    // Act
    const response = await notifyHandler()(
      notifyEvent(token(), jsonBody({ to: { everyone: true }, content: 'x' })),
    );

    // Assess
    expect(response.statusCode).toBe(403);
    expect(bodyOf(response).message).toContain('Only administrators');
    expect(response.headers).toMatchObject({ 'www-authenticate': 'Bearer error="insufficient_scope"' });
    expect(logs()).toEqual([
      expect.objectContaining({ message: 'notification refused', reason: 'NotAdmin' }),
    ]);
    nothingHappened();
  });

  it('answers 403 before looking at the body', async () => {
    // Act
    const response = await notifyHandler()(
      notifyEvent(moderatorToken(), { body: 'junk', contentType: 'text/plain' }),
    );

    // Assess
    expect(response.statusCode).toBe(403);
  });

  it('answers an unreachable key set with 500, not 401', async () => {
    // Prepare
    const unreachable = createTokenVerifier(config, {
      fetcher: {
        fetch: async () => {
          throw new Error('connect ECONNREFUSED');
        },
      },
    });

    // Act
    const response = await notifyHandler({ verifier: unreachable })(
      notifyEvent(adminToken(), jsonBody({ to: { everyone: true }, content: 'x' })),
    );

    // Assess
    expect(response.statusCode).toBe(500);
    expect(logs()).toEqual([expect.objectContaining({ level: 'ERROR', reason: 'UnexpectedError' })]);
    nothingHappened();
  });

  const json = (value: unknown): HttpBody => jsonBody(value);
  const valid = { to: { user: 'bob' }, content: 'hello' };
  const long = (length: number, char = 'a') => char.repeat(length);

  it.each<[string, HttpBody, number, string]>([
    // The body itself
    [
      'a text/plain body',
      { body: JSON.stringify(valid), contentType: 'text/plain' },
      415,
      'content-type must be application/json, got "text/plain"',
    ],
    [
      'no content type',
      { body: JSON.stringify(valid) },
      415,
      'content-type must be application/json, got none',
    ],
    [
      'a form',
      { body: 'to=bob&content=hi', contentType: 'application/x-www-form-urlencoded' },
      415,
      'content-type must be application/json',
    ],
    [
      'another charset',
      { body: JSON.stringify(valid), contentType: 'application/json; charset=iso-8859-1' },
      415,
      'charset must be utf-8, got "iso-8859-1"',
    ],
    ['a body over 64 KB', json({ ...valid, data: long(70_000) }), 413, 'body must be at most 65536 bytes'],
    ['an empty body', { body: '', contentType: 'application/json' }, 400, 'body is empty'],
    ['broken JSON', { body: '{"to":', contentType: 'application/json' }, 400, 'body is not valid JSON'],
    [
      'invalid UTF-8',
      {
        body: Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'),
        contentType: 'application/json',
        isBase64Encoded: true,
      },
      400,
      'body is not valid UTF-8',
    ],
    ['an array', json([valid]), 400, 'body must be a JSON object, got an array'],
    ['a string', json('"hello"'), 400, 'body must be a JSON object, got a string'],
    ['null', json('null'), 400, 'body must be a JSON object, got null'],
    // Fields
    [
      'a forged sender',
      json({ ...valid, from: 'alice' }),
      400,
      'unknown field "from"; allowed: to, title, content, data',
    ],
    ['an unknown field', json({ ...valid, priority: 1 }), 400, 'unknown field "priority"'],
    [
      '__proto__ in data',
      {
        body: '{"to":{"user":"bob"},"content":"x","data":{"__proto__":{"admin":true}}}',
        contentType: 'application/json',
      },
      400,
      'key "__proto__" is not allowed',
    ],
    // Target
    [
      'no target',
      json({ content: 'x' }),
      400,
      'to is required: {"user":"<username>"}, {"room":"<room>"} or {"everyone":true}',
    ],
    ['a target that is a string', json({ to: 'bob', content: 'x' }), 400, 'to must be an object'],
    [
      'an empty target',
      json({ to: {}, content: 'x' }),
      400,
      'to must name exactly one of user, room or everyone, got none',
    ],
    [
      'two targets',
      json({ to: { user: 'bob', room: 'general' }, content: 'x' }),
      400,
      'to must name exactly one of user, room or everyone, got user and room',
    ],
    [
      'three targets',
      json({ to: { user: 'bob', room: 'general', everyone: true }, content: 'x' }),
      400,
      'got user and room and everyone',
    ],
    [
      'an unknown target kind',
      json({ to: { group: 'admins' }, content: 'x' }),
      400,
      'to does not accept "group"',
    ],
    [
      'a username with a space',
      json({ to: { user: 'b ob' }, content: 'x' }),
      400,
      'to.user must be a username (1 to 128 letters, digits, symbols or punctuation, no spaces), got "b ob"',
    ],
    ['an empty username', json({ to: { user: '' }, content: 'x' }), 400, 'to.user must be a username'],
    [
      'a username of 129 characters',
      json({ to: { user: long(129) }, content: 'x' }),
      400,
      'to.user must be a username',
    ],
    [
      'a username that is a number',
      json({ to: { user: 7 }, content: 'x' }),
      400,
      'to.user must be a username (1 to 128 letters, digits, symbols or punctuation, no spaces), got 7',
    ],
    [
      'a room with capitals and a space',
      json({ to: { room: 'Foo Bar' }, content: 'x' }),
      400,
      'to.room must match /^[a-z0-9][a-z0-9_-]{0,63}$/',
    ],
    [
      'a room reaching another key',
      json({ to: { room: 'general#x' }, content: 'x' }),
      400,
      'got "general#x"',
    ],
    [
      'a room that is not a string',
      json({ to: { room: ['general'] }, content: 'x' }),
      400,
      'to.room must be a string, got an array',
    ],
    [
      'everyone false',
      json({ to: { everyone: false }, content: 'x' }),
      400,
      'to.everyone must be true, got false',
    ],
    [
      'everyone as a string',
      json({ to: { everyone: 'true' }, content: 'x' }),
      400,
      'to.everyone must be true, got "true"',
    ],
    // Content, with the protocol's own rules
    ['no content', json({ to: { user: 'bob' } }), 400, 'content is required'],
    ['empty content', json({ to: { user: 'bob' }, content: '' }), 400, 'content must not be empty'],
    ['blank content', json({ to: { user: 'bob' }, content: ' \n\t ' }), 400, 'content must not be empty'],
    [
      'numeric content',
      json({ to: { user: 'bob' }, content: 42 }),
      400,
      'content must be a string, got a number',
    ],
    [
      'a NUL in the content',
      json({ to: { user: 'bob' }, content: 'a\u0000b' }),
      400,
      'content must not contain control character U+0000',
    ],
    [
      'an escape character in the content',
      json({ to: { user: 'bob' }, content: '\u001b[31mred' }),
      400,
      'control character U+001B',
    ],
    [
      'content of 8,193 bytes',
      json({ to: { user: 'bob' }, content: long(8193) }),
      400,
      'content may be at most 8192 bytes of UTF-8, got 8193',
    ],
    [
      'content of 2,731 three-byte characters',
      json({ to: { user: 'bob' }, content: long(2731, '€') }),
      400,
      'got 8193',
    ],
    // Title and data
    ['an empty title', json({ ...valid, title: '  ' }), 400, 'title must not be empty'],
    [
      'a title of 101 characters',
      json({ ...valid, title: long(101) }),
      400,
      'title may be at most 100 characters, got 101',
    ],
    [
      'a title of two lines',
      json({ ...valid, title: 'one\ntwo' }),
      400,
      'title must not contain control character U+000A',
    ],
    [
      'a title that is not a string',
      json({ ...valid, title: { text: 'hi' } }),
      400,
      'title must be a string, got an object',
    ],
    [
      'data over 4 KB',
      json({ ...valid, data: long(4095) }),
      400,
      'data may be at most 4096 bytes as JSON, got 4097',
    ],
  ])('refuses %s, saying why, and delivers nothing', async (_case, body, status, fragment) => {
    // Act
    const response = await notifyHandler()(notifyEvent(adminToken(), body));

    // Assess
    expect(response.statusCode).toBe(status);
    expect(String(bodyOf(response).message)).toContain(fragment);
    nothingHappened();
  });
});

describe('POST /service/notify', () => {
  it('sends as service for a caller API Gateway authorized with IAM, and logs who called', async () => {
    // Prepare
    givenConnections();

    // Act
    const response = await notifyHandler()(
      serviceNotifyEvent(
        jsonBody({ to: { room: 'general' }, title: 'Billing', content: 'Invoices are out' }),
      ),
    );

    // Assess
    expect(response.statusCode).toBe(202);
    expect(bodyOf(response)).toEqual({ id: 'msg-1', queued: true });
    expect(framesOfPublications(publicationsOf(sqs))).toEqual([
      expect.objectContaining({ type: 'notification', from: 'service', title: 'Billing' }),
    ]);
    expect(logs()).toContainEqual(
      expect.objectContaining({
        message: 'notification sent',
        from: 'service',
        userArn: testIamCaller.userArn,
      }),
    );
  });

  it('needs no bearer token, and a bearer token there changes nothing', async () => {
    // Prepare
    givenConnections();
    const event = serviceNotifyEvent(jsonBody({ to: { user: 'bob' }, content: 'hi' }));

    // Act
    const response = await notifyHandler()({
      ...event,
      headers: { ...event.headers, authorization: `Bearer ${moderatorToken()}` },
    });

    // Assess
    expect(response.statusCode).toBe(202);
    expect(notifications()[0]?.frame).toMatchObject({ from: 'service' });
  });

  it('still demands an administrator when the IAM context is missing (a route that lost its authorizer)', async () => {
    // Act
    const response = await notifyHandler()(
      serviceNotifyEvent(jsonBody({ to: { everyone: true }, content: 'x' }), null),
    );

    // Assess
    expect(response.statusCode).toBe(401);
    expect(dynamo.calls()).toHaveLength(0);
    expect(management.calls()).toHaveLength(0);
  });

  it('validates the body as the bearer route does', async () => {
    // Act
    const response = await notifyHandler()(
      serviceNotifyEvent(jsonBody({ to: { everyone: true }, content: 'x', from: 'dave' })),
    );

    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).message).toContain('unknown field "from"');
  });
});
