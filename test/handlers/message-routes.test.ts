import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchGetCommand,
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
import { createMessageRouteHandler } from '../../lambdas/handlers/message-route.ts';
import { NOW, postsOf, publicationsOf, TABLE, type TestDeps, testDeps } from '../fixtures/session-deps.ts';
import { connectionItem, memberItem, roomOfConnectionItem } from '../fixtures/table-items.ts';
import { alice, bob, messageEvent } from '../fixtures/websocket-events.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const management = mockClient(ApiGatewayManagementApiClient);
const sqs = mockClient(SQSClient);

const carol = { userId: 'u-carol', username: 'carol', groups: [], tokenExpiresAt: 4_000_000_000 };

let deps: TestDeps;
const handlers = () => ({
  defaultRoute: createMessageRouteHandler(new Set(['text', 'ping'] as const), deps),
  joinRoom: createMessageRouteHandler(new Set(['joinRoom'] as const), deps),
  leaveRoom: createMessageRouteHandler(new Set(['leaveRoom'] as const), deps),
  sendMessage: createMessageRouteHandler(new Set(['sendMessage'] as const), deps),
});

/** Stores alice on conn-a, bob on conn-b, carol on conn-c; room "general" holds a and b. */
function givenConnectionsAndRoom(
  members = [memberItem('general', 'conn-a', alice), memberItem('general', 'conn-b', bob)],
) {
  dynamo.on(GetCommand).resolves({});
  dynamo
    .on(GetCommand, { Key: { pk: 'CONN#conn-a', sk: 'CONNECTION' } })
    .resolves({ Item: connectionItem('conn-a', alice) });
  dynamo
    .on(GetCommand, { Key: { pk: 'CONN#conn-b', sk: 'CONNECTION' } })
    .resolves({ Item: connectionItem('conn-b', bob) });
  dynamo
    .on(GetCommand, { Key: { pk: 'CONN#conn-c', sk: 'CONNECTION' } })
    .resolves({ Item: connectionItem('conn-c', carol) });
  for (const member of members) {
    const connectionId = member.sk.slice('CONN#'.length);
    dynamo
      .on(GetCommand, { Key: { pk: `CONN#${connectionId}`, sk: member.pk } })
      .resolves({ Item: roomOfConnectionItem(connectionId, member.pk.slice('ROOM#'.length)) });
  }
  dynamo
    .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'ROOM#general' } })
    .resolves({ Items: members });
  // The room, nobody's standing in it, and presence counts that say each user is new.
  dynamo.on(GetCommand, { Key: { pk: 'ROOM#general', sk: 'META' } }).resolves({ Item: roomItem('general') });
  dynamo.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [] } });
  dynamo.on(UpdateCommand).resolves({ Attributes: { members: members.length } });
  // The room's counter hands out number 7 of epoch e1; messages store.
  dynamo
    .on(UpdateCommand, { Key: { pk: 'ROOM#general', sk: 'SEQ' } })
    .resolves({ Attributes: { epoch: 'e1', seq: 7, seqAt: NOW } });
  dynamo.on(PutCommand).resolves({});
  dynamo.on(DeleteCommand).resolves({});
}

/** The room item of a public room owned by dave, as the directory stores it. */
function roomItem(room: string) {
  return {
    pk: `ROOM#${room}`,
    sk: 'META',
    room,
    title: room,
    visibility: 'public',
    posting: 'everyone',
    owner: 'dave',
    epoch: 'e1',
    members: 2,
    createdAt: NOW - 3_600_000,
  };
}

function writesTo() {
  return [
    ...dynamo.commandCalls(PutCommand),
    ...dynamo.commandCalls(TransactWriteCommand),
    ...dynamo.commandCalls(BatchWriteCommand),
  ];
}

beforeEach(() => {
  dynamo.reset();
  management.reset();
  management.on(PostToConnectionCommand).resolves({});
  sqs.reset();
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  deps = testDeps();
});

describe('joinRoom', () => {
  it('adds the membership in one transaction with its checks, confirms to the joiner and tells the others', async () => {
    // Prepare
    givenConnectionsAndRoom();
    dynamo.on(TransactWriteCommand).resolves({});

    // Act
    const result = await handlers().joinRoom(messageEvent({ action: 'joinRoom', room: 'general' }));

    // Assess
    expect(result).toEqual({ statusCode: 200 });
    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items[0]?.ConditionCheck).toMatchObject({
      Key: { pk: 'ROOM#general', sk: 'META' },
      ConditionExpression: 'epoch = :epoch',
    });
    expect(items[1]?.Update).toMatchObject({
      Key: { pk: 'CONN#conn-a', sk: 'CONNECTION' },
      UpdateExpression: 'ADD rooms :one',
      ExpressionAttributeValues: { ':one': 1, ':max': 50 },
    });
    // The room side, read on every send, holds its keys and expiries only; the epoch is on the connection side.
    expect(items[2]?.Put?.Item).toEqual({
      pk: 'ROOM#general',
      sk: 'CONN#conn-a',
      tokenExpiresAt: alice.tokenExpiresAt,
      expiresAt: expect.any(Number),
    });
    expect(items[3]?.Put?.Item).toMatchObject({ pk: 'CONN#conn-a', sk: 'ROOM#general', epoch: 'e1' });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'ROOM#general', sk: 'PRES#alice' },
      UpdateExpression: expect.stringContaining('ADD connections :connection'),
    });
    const posts = postsOf(management);
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({
      to: 'conn-a',
      frame: { type: 'joined', room: 'general', username: 'alice', self: true, role: 'member', epoch: 'e1' },
    });
    // The others hear it through the room's sequencer, in the room's order.
    expect(publicationsOf(sqs)).toEqual([
      {
        group: 'general',
        publication: {
          kind: 'frame',
          room: 'general',
          exclude: 'conn-a',
          frame: JSON.stringify({
            type: 'joined',
            room: 'general',
            username: 'alice',
            userId: 'u-alice',
            time: '2026-11-29T12:00:00.000Z',
          }),
        },
      },
    ]);
  });

  it('confirms to the caller alone when it is already a member', async () => {
    // Prepare
    givenConnectionsAndRoom();
    dynamo.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [
          { Code: 'None' },
          { Code: 'None' },
          { Code: 'ConditionalCheckFailed' },
          { Code: 'None' },
        ],
      }),
    );

    // Act
    await handlers().joinRoom(messageEvent({ action: 'joinRoom', room: 'general' }));

    // Assess
    expect(postsOf(management).map((post) => post.to)).toEqual(['conn-a']);
    expect(publicationsOf(sqs)).toEqual([]);
  });

  it.each([
    [{ action: 'joinRoom', room: 'Foo Bar' }, 'INVALID_ROOM'],
    [{ action: 'joinRoom', room: 'ROOM#x' }, 'INVALID_ROOM'],
    [{ action: 'joinRoom', room: 'a'.repeat(65) }, 'INVALID_ROOM'],
    [{ action: 'joinRoom' }, 'INVALID_FIELD'],
    [{ action: 'joinRoom', room: 7 }, 'INVALID_FIELD'],
    [{ action: 'joinRoom', room: 'general', userId: 'u-bob' }, 'UNKNOWN_FIELD'],
  ])('answers %j with %s and writes nothing', async (body, code) => {
    // Prepare
    givenConnectionsAndRoom();

    // Act
    await handlers().joinRoom(messageEvent(body, { routeKey: 'joinRoom' }));

    // Assess
    expect(postsOf(management)).toEqual([
      expect.objectContaining({ to: 'conn-a', frame: expect.objectContaining({ type: 'error', code }) }),
    ]);
    expect(writesTo()).toHaveLength(0);
  });

  it('tells the caller to reconnect when its connection is no longer stored', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({});
    dynamo.on(QueryCommand).resolves({ Items: [] });
    management.on(DeleteConnectionCommand).resolves({});

    // Act
    await handlers().joinRoom(
      messageEvent({ action: 'joinRoom', room: 'general' }, { connectionId: 'conn-x' }),
    );

    // Assess
    expect(postsOf(management)[0]?.frame).toMatchObject({
      type: 'closing',
      code: 'CONNECTION_UNKNOWN',
      reconnect: true,
    });
    expect(management).toHaveReceivedCommandWith(DeleteConnectionCommand, { ConnectionId: 'conn-x' });
    expect(writesTo()).toHaveLength(0);
  });
});

describe('sendMessage', () => {
  it("queues the message for the room's sequencer with the sender taken from the stored connection", async () => {
    // Prepare
    givenConnectionsAndRoom();

    // Act
    await handlers().sendMessage(
      messageEvent({ action: 'sendMessage', room: 'general', content: 'Hello, room!', clientMsgId: 'c-1' }),
    );

    // Assess
    expect(publicationsOf(sqs)).toEqual([
      {
        group: 'general',
        publication: {
          kind: 'message',
          room: 'general',
          epoch: 'e1',
          id: 'msg-1',
          sender: { connectionId: 'conn-a', userId: 'u-alice', username: 'alice', groups: [] },
          content: 'Hello, room!',
          clientMsgId: 'c-1',
          // When API Gateway received the frame (the event's requestTimeEpoch): the message's time.
          receivedAt: 1_700_000_000_000,
        },
      },
    ]);
    // The sequencer acknowledges and delivers; the route posts nothing.
    expect(postsOf(management)).toEqual([]);
  });

  it('reads the membership on the connection side, strongly consistent, and no member list', async () => {
    // Prepare
    givenConnectionsAndRoom();

    // Act
    await handlers().sendMessage(messageEvent({ action: 'sendMessage', room: 'general', content: 'hi' }));

    // Assess
    expect(dynamo).toHaveReceivedCommandWith(GetCommand, {
      Key: { pk: 'CONN#conn-a', sk: 'ROOM#general' },
      ConsistentRead: true,
    });
    expect(dynamo).not.toHaveReceivedCommand(QueryCommand);
  });

  it('refuses a sender forged in the body and queues nothing', async () => {
    // Prepare
    givenConnectionsAndRoom();

    // Act
    await handlers().sendMessage(
      messageEvent({
        action: 'sendMessage',
        room: 'general',
        content: 'hi',
        username: 'bob',
        userId: 'u-bob',
      }),
    );

    // Assess
    const posts = postsOf(management);
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({
      to: 'conn-a',
      frame: { type: 'error', code: 'UNKNOWN_FIELD', action: 'sendMessage' },
    });
    expect(publicationsOf(sqs)).toEqual([]);
  });

  it('refuses a non-member and queues nothing', async () => {
    // Prepare
    givenConnectionsAndRoom();

    // Act
    await handlers().sendMessage(
      messageEvent(
        { action: 'sendMessage', room: 'general', content: 'let me in', requestId: 'r1' },
        { connectionId: 'conn-c', identity: carol },
      ),
    );

    // Assess
    expect(postsOf(management)).toEqual([
      expect.objectContaining({
        to: 'conn-c',
        frame: expect.objectContaining({ code: 'NOT_A_MEMBER', requestId: 'r1' }),
      }),
    ]);
    expect(publicationsOf(sqs)).toEqual([]);
  });

  it.each([
    [{ action: 'sendMessage', room: 'general', content: '' }, 'INVALID_CONTENT'],
    [{ action: 'sendMessage', room: 'general', content: 'bell\u0007' }, 'INVALID_CONTENT'],
    [{ action: 'sendMessage', room: 'general', content: 'x'.repeat(8 * 1024 + 1) }, 'CONTENT_TOO_LARGE'],
    [{ action: 'sendMessage', room: 'general', content: { text: 'hi' } }, 'INVALID_FIELD'],
    [{ action: 'sendMessage', room: 'general' }, 'INVALID_FIELD'],
  ])('answers %j with %s and queues nothing', async (body, code) => {
    // Prepare
    givenConnectionsAndRoom();

    // Act
    await handlers().sendMessage(messageEvent(body, { routeKey: 'sendMessage' }));

    // Assess
    expect(postsOf(management)).toEqual([
      expect.objectContaining({ to: 'conn-a', frame: expect.objectContaining({ code }) }),
    ]);
    expect(publicationsOf(sqs)).toEqual([]);
  });

  it('answers INTERNAL_ERROR and 500 when the queue refuses the message', async () => {
    // Prepare
    givenConnectionsAndRoom();
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: '0', SenderFault: false, Code: 'InternalError', Message: 'try again' }],
    });

    // Act
    const result = await handlers().sendMessage(
      messageEvent({ action: 'sendMessage', room: 'general', content: 'hi', requestId: 'r9' }),
    );

    // Assess
    expect(result).toEqual({ statusCode: 500 });
    expect(postsOf(management)[0]?.frame).toMatchObject({ type: 'error', code: 'INTERNAL_ERROR' });
  });

  it('answers INTERNAL_ERROR and 500 when the store fails, without leaking details', async () => {
    // Prepare
    dynamo
      .on(GetCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }));

    // Act
    const result = await handlers().sendMessage(
      messageEvent({ action: 'sendMessage', room: 'general', content: 'hi' }),
    );

    // Assess
    expect(result).toEqual({ statusCode: 500 });
    expect(postsOf(management)[0]?.frame).toMatchObject({ type: 'error', code: 'INTERNAL_ERROR' });
    expect(deps.logLines.join('\n')).toContain('ProvisionedThroughputExceededException');
  });
});

describe('leaveRoom', () => {
  it('removes both membership items and tells the leaver and the remaining members', async () => {
    // Prepare
    givenConnectionsAndRoom([memberItem('general', 'conn-b', bob)]);
    dynamo.on(TransactWriteCommand).resolves({});

    // Act
    await handlers().leaveRoom(messageEvent({ action: 'leaveRoom', room: 'general' }));

    // Assess
    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items.map((item) => item.Delete?.Key ?? item.Update?.Key)).toEqual([
      { pk: 'ROOM#general', sk: 'CONN#conn-a' },
      { pk: 'CONN#conn-a', sk: 'ROOM#general' },
      { pk: 'CONN#conn-a', sk: 'CONNECTION' },
    ]);
    expect(items[2]?.Update?.UpdateExpression).toBe('ADD rooms :minusOne');
    // alice's last connection in the room: her presence goes, and so does she from the count.
    expect(dynamo).toHaveReceivedCommandWith(DeleteCommand, {
      Key: { pk: 'ROOM#general', sk: 'PRES#alice' },
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(connections)',
    });
    expect(postsOf(management).map((post) => [post.to, (post.frame as { type: string }).type])).toEqual([
      ['conn-a', 'left'],
    ]);
    expect(
      publicationsOf(sqs).map(({ publication }) => JSON.parse((publication as { frame: string }).frame)),
    ).toEqual([expect.objectContaining({ type: 'left', room: 'general', username: 'alice' })]);
  });

  it('answers NOT_A_MEMBER to a connection outside the room', async () => {
    // Prepare
    givenConnectionsAndRoom();
    dynamo.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
      }),
    );

    // Act
    await handlers().leaveRoom(
      messageEvent({ action: 'leaveRoom', room: 'general' }, { connectionId: 'conn-c', identity: carol }),
    );

    // Assess
    expect(postsOf(management)).toEqual([
      expect.objectContaining({ to: 'conn-c', frame: expect.objectContaining({ code: 'NOT_A_MEMBER' }) }),
    ]);
  });
});

describe('$default', () => {
  it('echoes plain text attributed to the stored user, as the tutorial does', async () => {
    // Prepare
    givenConnectionsAndRoom();

    // Act
    await handlers().defaultRoute(messageEvent('Hello, server!'));

    // Assess
    expect(postsOf(management)).toEqual([
      expect.objectContaining({ to: 'conn-a', frame: 'User alice (ID: u-alice) sent: Hello, server!' }),
    ]);
  });

  it('answers a ping with a pong carrying the request id', async () => {
    // Prepare
    givenConnectionsAndRoom();

    // Act
    await handlers().defaultRoute(messageEvent({ action: 'ping', requestId: 'p-1' }));

    // Assess
    expect(postsOf(management)[0]?.frame).toEqual({
      type: 'pong',
      time: '2026-11-29T12:00:00.000Z',
      requestId: 'p-1',
    });
  });

  it.each([
    ['{"action":"dance"}', 'UNKNOWN_ACTION'],
    ['{"room":"general"}', 'UNKNOWN_ACTION'],
    ['{"action":', 'MALFORMED_JSON'],
    ['[1,2,3]', 'INVALID_MESSAGE'],
    ['{"action":"ping","__proto__":{"admin":true}}', 'INVALID_MESSAGE'],
  ])('answers %s with %s after the caller gate, and writes nothing', async (body, code) => {
    // Prepare
    givenConnectionsAndRoom();

    // Act
    await handlers().defaultRoute(messageEvent(body, { routeKey: '$default' }));

    // Assess
    expect(postsOf(management)).toEqual([
      expect.objectContaining({ to: 'conn-a', frame: expect.objectContaining({ type: 'error', code }) }),
    ]);
    // The only table access is the gate's (here the caller lookup; with a rate limit, its token).
    expect(dynamo.calls().map((call) => call.args[0].constructor.name)).toEqual(['GetCommand']);
  });
});
