import {
  ApiGatewayManagementApiClient,
  ForbiddenException,
  GoneException,
  LimitExceededException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityBatchCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { MessagePublication, ShardDelivery } from '../../lambdas/core/fanout-publications.ts';
import { MEMBER_SHARDS } from '../../lambdas/core/member-shards.ts';
import { createSequencerHandler } from '../../lambdas/handlers/sequencer.ts';
import { createShardDeliveryHandler } from '../../lambdas/handlers/shard-delivery.ts';
import {
  DELIVERY_QUEUE_URL,
  deliveriesOf,
  leftFramesOf,
  NOW,
  PUBLICATION_QUEUE_URL,
  postsOf,
  publicationsOf,
  TABLE,
  type TestFanoutDeps,
  testFanoutDeps,
} from '../fixtures/session-deps.ts';
import { sqsEvent, sqsRecord } from '../fixtures/sqs-events.ts';
import { connectionItem, memberItem, roomOfConnectionItem } from '../fixtures/table-items.ts';
import { alice, bob } from '../fixtures/websocket-events.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const management = mockClient(ApiGatewayManagementApiClient);
const sqs = mockClient(SQSClient);
const queueClient = new SQSClient({ region: 'us-east-1' });

const carol = { userId: 'u-carol', username: 'carol', groups: [], tokenExpiresAt: 4_000_000_000 };

let deps: TestFanoutDeps;
const sequencer = () => createSequencerHandler(deps, queueClient, PUBLICATION_QUEUE_URL);
const shardWorker = () => createShardDeliveryHandler(deps, queueClient, DELIVERY_QUEUE_URL);

function message(overrides: Partial<MessagePublication> = {}): MessagePublication {
  return {
    kind: 'message',
    room: 'general',
    epoch: 'e1',
    id: 'msg-1',
    sender: { connectionId: 'conn-a', userId: 'u-alice', username: 'alice', groups: [] },
    content: 'Hello, room!',
    receivedAt: NOW - 50,
    requestId: 'r1',
    ...overrides,
  };
}

/** Room "general" holds conn-a (alice), conn-b (bob) and conn-c (carol); its counter hands out 7. */
function givenRoom(members = ['conn-a', 'conn-b', 'conn-c'], sequence: Record<string, unknown> = {}) {
  const identities: Record<string, typeof alice> = { 'conn-a': alice, 'conn-b': bob, 'conn-c': carol };
  dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'ROOM#general' } }).resolves({
    Items: members.map((id) => ({ sk: memberItem('general', id, identities[id] ?? carol).sk })),
  });
  dynamo
    .on(UpdateCommand, { Key: { pk: 'ROOM#general', sk: 'SEQ' } })
    .resolves({ Attributes: { epoch: 'e1', seq: 7, seqAt: NOW, ...sequence } });
  dynamo.on(PutCommand).resolves({});
}

function framesTo(connectionId: string) {
  return postsOf(management)
    .filter((post) => post.to === connectionId)
    .map((post) => post.frame as { type: string });
}

beforeEach(() => {
  dynamo.reset();
  management.reset();
  sqs.reset();
  management.on(PostToConnectionCommand).resolves({});
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
  dynamo.on(GetCommand).resolves({});
  deps = testFanoutDeps();
});

describe('sequencer', () => {
  it('numbers and stores a message, acknowledges it to the sender, then posts one serialised frame to every member', async () => {
    // Prepare
    givenRoom();

    // Act
    const result = await sequencer()(sqsEvent(sqsRecord(message(), { group: 'general' })));

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({
        pk: 'HIST#general#e1',
        sk: 'S#000000000007',
        id: 'msg-1',
        sentAt: NOW - 50,
      }),
    });
    expect(framesTo('conn-a')).toEqual([
      expect.objectContaining({ type: 'ack', seq: 7, id: 'msg-1', requestId: 'r1' }),
      expect.objectContaining({ type: 'message', seq: 7, username: 'alice', content: 'Hello, room!' }),
    ]);
    const frames = postsOf(management).filter((post) => (post.frame as { type: string }).type === 'message');
    expect(frames.map((post) => post.to).sort()).toEqual(['conn-a', 'conn-b', 'conn-c']);
    expect(new Set(frames.map((post) => post.bytes)).size).toBe(1);
  });

  it('meters the room rate by when the sends arrived, not by when the sequencer got to them', async () => {
    // Prepare
    givenRoom();

    // Act
    await sequencer()(sqsEvent(sqsRecord(message({ receivedAt: NOW - 35_000 }), { group: 'general' })));

    // Assess
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'ROOM#general', sk: 'SEQ' },
      ExpressionAttributeValues: expect.objectContaining({ ':now': NOW - 35_000 }),
    });
  });

  it('reads the member list after numbering, strongly consistent, by key condition with the expiry filter', async () => {
    // Prepare
    givenRoom();

    // Act
    await sequencer()(sqsEvent(sqsRecord(message(), { group: 'general' })));

    // Assess
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :members)',
      FilterExpression: 'tokenExpiresAt > :now',
      ProjectionExpression: 'sk',
      ConsistentRead: true,
      Limit: 101,
      ExpressionAttributeValues: {
        ':pk': 'ROOM#general',
        ':members': 'CONN#',
        ':now': Math.floor(NOW / 1000),
      },
    });
    const calls = dynamo.calls().map((call) => call.args[0].constructor.name);
    expect(calls.indexOf('UpdateCommand')).toBeLessThan(calls.indexOf('QueryCommand'));
  });

  it('keeps the order of a batch: messages in the order numbered, other frames in their place', async () => {
    // Prepare
    givenRoom(['conn-b']);
    let seq = 7;
    dynamo
      .on(UpdateCommand, { Key: { pk: 'ROOM#general', sk: 'SEQ' } })
      .callsFake(async () => ({ Attributes: { epoch: 'e1', seq: seq++, seqAt: NOW } }));

    // Act
    await sequencer()(
      sqsEvent(
        sqsRecord(message({ id: 'msg-1' }), { group: 'general' }),
        sqsRecord(
          { kind: 'frame', room: 'general', frame: '{"type":"occupancy","room":"general","count":3}' },
          { group: 'general' },
        ),
        sqsRecord(message({ id: 'msg-2' }), { group: 'general' }),
      ),
    );

    // Assess
    expect(framesTo('conn-b').map((frame) => [frame.type, (frame as { seq?: number }).seq])).toEqual([
      ['message', 7],
      ['occupancy', undefined],
      ['message', 8],
    ]);
  });

  it('acknowledges and delivers again, without a new number, a message stored before its batch came back', async () => {
    // Prepare
    givenRoom(['conn-a', 'conn-b']);
    dynamo
      .on(GetCommand, { Key: { pk: 'ROOM#general', sk: 'SEQ' } })
      .resolves({ Item: { epoch: 'e1', seq: 7, seqAt: NOW } });
    dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'HIST#general#e1' } }).resolves({
      Items: [
        {
          pk: 'HIST#general#e1',
          sk: 'S#000000000007',
          seq: 7,
          id: 'msg-1',
          content: 'Hello, room!',
          userId: 'u-alice',
          username: 'alice',
          sentAt: NOW - 50,
          expiresAt: Math.floor(NOW / 1000) + 3600,
        },
      ],
    });

    // Act
    await sequencer()(sqsEvent(sqsRecord(message(), { group: 'general', receiveCount: 2 })));

    // Assess
    expect(dynamo).not.toHaveReceivedCommandWith(UpdateCommand, { Key: { pk: 'ROOM#general', sk: 'SEQ' } });
    expect(dynamo).not.toHaveReceivedCommand(PutCommand);
    expect(framesTo('conn-a').map((frame) => frame.type)).toEqual(['ack', 'message']);
    expect(framesTo('conn-b')).toEqual([expect.objectContaining({ type: 'message', seq: 7 })]);
  });

  it('tells the sender why a message was refused and delivers nothing to the room', async () => {
    // Prepare
    givenRoom();
    dynamo.on(UpdateCommand, { Key: { pk: 'ROOM#general', sk: 'SEQ' } }).rejects(
      new ConditionalCheckFailedException({
        message: 'no',
        $metadata: {},
        Item: { epoch: { S: 'e2' }, seq: { N: '9' } },
      }),
    );

    // Act
    const result = await sequencer()(sqsEvent(sqsRecord(message(), { group: 'general' })));

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(postsOf(management)).toEqual([
      expect.objectContaining({
        to: 'conn-a',
        frame: expect.objectContaining({ type: 'error', code: 'ROOM_NOT_FOUND', requestId: 'r1' }),
      }),
    ]);
    expect(dynamo).not.toHaveReceivedCommand(QueryCommand);
  });

  it('removes a member found gone, queues its departure, and still delivers to the others', async () => {
    // Prepare
    givenRoom();
    management
      .on(PostToConnectionCommand, { ConnectionId: 'conn-b' })
      .rejects(new GoneException({ message: 'gone', $metadata: { httpStatusCode: 410 } }));
    dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'CONN#conn-b' } }).resolves({
      Items: [connectionItem('conn-b', bob), roomOfConnectionItem('conn-b', 'general')],
    });
    dynamo.on(BatchWriteCommand).resolves({});
    dynamo.on(UpdateCommand, { Key: { pk: 'ROOM#general', sk: 'PRES#bob' } }).resolves({ Attributes: {} });
    dynamo.on(DeleteCommand).resolves({});
    dynamo
      .on(UpdateCommand, { Key: { pk: 'ROOM#general', sk: 'META' } })
      .resolves({ Attributes: { members: 2 } });

    // Act
    const result = await sequencer()(sqsEvent(sqsRecord(message(), { group: 'general' })));

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(dynamo).toHaveReceivedCommandWith(BatchWriteCommand, {
      RequestItems: {
        [TABLE]: expect.arrayContaining([
          { DeleteRequest: { Key: { pk: 'CONN#conn-b', sk: 'CONNECTION' } } },
          { DeleteRequest: { Key: { pk: 'ROOM#general', sk: 'CONN#conn-b' } } },
        ]),
      },
    });
    expect(leftFramesOf(publicationsOf(sqs))).toEqual([
      expect.objectContaining({ type: 'left', room: 'general', username: 'bob' }),
    ]);
    expect(framesTo('conn-c')).toEqual([expect.objectContaining({ type: 'message' })]);
  });

  it('retries a throttled post after a pause until it is delivered, deleting nothing', async () => {
    // Prepare
    givenRoom();
    management
      .on(PostToConnectionCommand, { ConnectionId: 'conn-b' })
      .rejectsOnce(new LimitExceededException({ message: 'slow down', $metadata: { httpStatusCode: 429 } }))
      .resolves({});

    // Act
    const result = await sequencer()(sqsEvent(sqsRecord(message(), { group: 'general' })));

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    // Two attempts at the same frame: the throttled one and the one that went through.
    expect(framesTo('conn-b')).toEqual([
      expect.objectContaining({ type: 'message', seq: 7 }),
      expect.objectContaining({ type: 'message', seq: 7 }),
    ]);
    expect(deps.sleeps).toHaveLength(1);
    expect(deps.sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(dynamo).not.toHaveReceivedCommand(BatchWriteCommand);
  });

  it('gives the whole batch back, to come again soon, when a member is still throttled at the deadline', async () => {
    // Prepare
    givenRoom();
    management
      .on(PostToConnectionCommand, { ConnectionId: 'conn-b' })
      .rejects(new LimitExceededException({ message: 'slow down', $metadata: { httpStatusCode: 429 } }));
    const record = sqsRecord(message(), { group: 'general', messageId: 'mid-1' });

    // Act
    const result = await sequencer()(sqsEvent(record));

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'mid-1' }] });
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityBatchCommand, {
      QueueUrl: PUBLICATION_QUEUE_URL,
      Entries: [{ Id: '0', ReceiptHandle: 'receipt-mid-1', VisibilityTimeout: 1 }],
    });
    const warning = deps.logLines
      .map((line) => JSON.parse(line))
      .find((entry) => entry.message === 'post still failing at the deadline');
    expect(warning).toMatchObject({ connectionId: 'conn-b', throttled: true });
  });

  it('skips a post refused for good without retrying it', async () => {
    // Prepare
    givenRoom();
    management
      .on(PostToConnectionCommand, { ConnectionId: 'conn-b' })
      .rejects(new ForbiddenException({ message: 'forbidden', $metadata: { httpStatusCode: 403 } }));

    // Act
    const result = await sequencer()(sqsEvent(sqsRecord(message(), { group: 'general' })));

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(deps.sleeps).toEqual([]);
    expect(framesTo('conn-c')).toEqual([expect.objectContaining({ type: 'message' })]);
  });

  it('sends a room larger than the direct limit through the shards from then on, posting nothing itself', async () => {
    // Prepare
    deps = testFanoutDeps({ directLimit: 2 });
    givenRoom(['conn-a', 'conn-b', 'conn-c']);
    dynamo
      .on(UpdateCommand, { Key: { pk: 'ROOM#general', sk: 'SEQ' }, UpdateExpression: 'SET sharded = :yes' })
      .resolves({});

    // Act
    const result = await sequencer()(sqsEvent(sqsRecord(message(), { group: 'general' })));

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'ROOM#general', sk: 'SEQ' },
      UpdateExpression: 'SET sharded = :yes',
      ConditionExpression: 'epoch = :epoch',
    });
    const deliveries = deliveriesOf(sqs);
    expect(deliveries).toHaveLength(MEMBER_SHARDS);
    expect(deliveries.map(({ group }) => group)).toEqual(
      Array.from({ length: MEMBER_SHARDS }, (_, shard) => `general#${shard}`),
    );
    expect(JSON.parse(deliveries[0]?.delivery.frames[0]?.data ?? '{}')).toMatchObject({
      type: 'message',
      seq: 7,
    });
    // Only the sender's ack is posted here.
    expect(postsOf(management).map((post) => (post.frame as { type: string }).type)).toEqual(['ack']);
  });

  it('does not read the member list of a room already sharded', async () => {
    // Prepare
    givenRoom(['conn-a'], { sharded: true });

    // Act
    await sequencer()(sqsEvent(sqsRecord(message(), { group: 'general' })));

    // Assess
    expect(dynamo).not.toHaveReceivedCommand(QueryCommand);
    expect(deliveriesOf(sqs)).toHaveLength(MEMBER_SHARDS);
  });

  it('drops a body that does not parse, with an error log, instead of retrying it', async () => {
    // Act
    const result = await sequencer()(
      sqsEvent(sqsRecord('{"kind":"message"', { group: 'general', messageId: 'bad' })),
    );

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(deps.logLines.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ level: 'ERROR', messageId: 'bad', problem: 'the body is not a JSON object' }),
    );
  });

  it('gives back only the group that failed; other rooms in the batch complete', async () => {
    // Prepare
    givenRoom();
    dynamo
      .on(UpdateCommand, { Key: { pk: 'ROOM#broken', sk: 'SEQ' } })
      .rejects(
        Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ThrottlingException' }),
      );

    // Act
    const result = await sequencer()(
      sqsEvent(
        sqsRecord(message(), { group: 'general', messageId: 'ok-1' }),
        sqsRecord(message({ room: 'broken', id: 'msg-9' }), { group: 'broken', messageId: 'bad-1' }),
        sqsRecord(message({ room: 'broken', id: 'msg-10' }), { group: 'broken', messageId: 'bad-2' }),
      ),
    );

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad-1' }, { itemIdentifier: 'bad-2' }] });
    expect(framesTo('conn-b')).toEqual([expect.objectContaining({ type: 'message', room: 'general' })]);
  });
});

describe('shard worker', () => {
  const delivery = (frames: ShardDelivery['frames'], shard = 3): ShardDelivery => ({
    room: 'big',
    shard,
    frames,
  });

  it('reads only its own range of the member list, strongly consistent, with the expiry filter', async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({ Items: [] });

    // Act
    await shardWorker()(sqsEvent(sqsRecord(delivery([{ data: '{"type":"pong"}' }]), { group: 'big#3' })));

    // Assess
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      FilterExpression: 'tokenExpiresAt > :now',
      ConsistentRead: true,
      ExpressionAttributeValues: {
        ':pk': 'ROOM#big',
        ':from': 'CONN#4',
        ':to': 'CONN#6',
        ':now': Math.floor(NOW / 1000),
      },
    });
  });

  it('posts every frame of consecutive deliveries in order to each member, but not a frame to its excluded one', async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({ Items: [{ sk: 'CONN#4aa' }, { sk: 'CONN#5bb' }] });
    const frame = (seq: number) => JSON.stringify({ type: 'message', room: 'big', seq });

    // Act
    await shardWorker()(
      sqsEvent(
        sqsRecord(delivery([{ data: frame(1) }, { data: frame(2), exclude: '5bb' }]), { group: 'big#3' }),
        sqsRecord(delivery([{ data: frame(3) }]), { group: 'big#3' }),
      ),
    );

    // Assess
    expect(dynamo).toHaveReceivedCommandTimes(QueryCommand, 1);
    expect(framesTo('4aa').map((item) => (item as { seq?: number }).seq)).toEqual([1, 2, 3]);
    expect(framesTo('5bb').map((item) => (item as { seq?: number }).seq)).toEqual([1, 3]);
  });
});
