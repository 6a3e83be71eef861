import {
  BatchEntryIdsNotDistinct,
  BatchRequestTooLong,
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  EmptyBatchRequest,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  InvalidAttributeName,
  InvalidBatchEntryId,
  MessageNotInflight,
  PurgeQueueCommand,
  QueueDoesNotExist,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  SQSServiceException,
  TooManyEntriesInBatchRequest,
  UnsupportedOperation,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalQueues } from '../../../local/sqs/local-queues.ts';
import { sqsTestCredentials as credentials, type SqsServer, startSqsServer } from '../support/sqs-server.ts';

const region = 'eu-west-1';

describe('SQS JSON-protocol endpoint, through @aws-sdk/client-sqs', () => {
  let sqs: SqsServer;
  let baseUrl: string;
  let queues: LocalQueues;
  let client: SQSClient;
  let queueCount = 0;

  beforeAll(async () => {
    sqs = await startSqsServer({ region });
    ({ baseUrl, queues, client } = sqs);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  afterAll(async () => {
    await sqs?.stop();
  });

  /** A fresh queue per test, so tests do not see each other's messages. */
  const newQueue = (props: { contentBasedDeduplication?: boolean } = {}) =>
    queues.createQueue(`api-${++queueCount}.fifo`, { fifo: true, visibilityTimeoutSeconds: 30, ...props });

  it('sends a message and receives it with its system and message attributes', async () => {
    // Prepare
    const queue = newQueue();

    // Act
    const sent = await client.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: '{"type":"message","text":"héllo"}',
        MessageGroupId: 'room-1',
        MessageDeduplicationId: 'client-msg-1',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'broadcast' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
        },
      }),
    );
    const received = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );

    // Assess
    expect(sent).toMatchObject({
      MessageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      MD5OfMessageBody: expect.stringMatching(/^[0-9a-f]{32}$/), // the SDK has checked it against the body
      MD5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
      SequenceNumber: expect.stringMatching(/^\d{20}$/),
    });
    const [message] = received.Messages ?? [];
    expect(message).toMatchObject({
      MessageId: sent.MessageId,
      Body: '{"type":"message","text":"héllo"}',
      MD5OfMessageAttributes: sent.MD5OfMessageAttributes,
      Attributes: {
        ApproximateReceiveCount: '1',
        SenderId: 'AKIDLOCALTEST',
        MessageGroupId: 'room-1',
        MessageDeduplicationId: 'client-msg-1',
        SequenceNumber: sent.SequenceNumber,
        SentTimestamp: expect.stringMatching(/^\d{13}$/),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
      },
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'broadcast' },
        blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
      },
    });
  });

  it('reaches the queues through AWS_ENDPOINT_URL_SQS, as the handlers configure it', async () => {
    // Prepare
    const queue = newQueue();
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', baseUrl);
    const handlerClient = new SQSClient({ region, credentials, maxAttempts: 1 });

    // Act
    const sent = await handlerClient.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: 'hi',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'd',
      }),
    );
    handlerClient.destroy();

    // Assess
    expect(sent.MessageId).toBeDefined();
    expect(queues.counts(queue.name)).toEqual({ visible: 1, inFlight: 0, total: 1 });
  });

  it('answers a batch with Successful and Failed entries', async () => {
    // Prepare
    const queue = newQueue({ contentBasedDeduplication: true });

    // Act
    const outcome = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: [
          { Id: 'a', MessageBody: 'first', MessageGroupId: 'room-1' },
          { Id: 'b', MessageBody: 'second' },
          { Id: 'c', MessageBody: 'third', MessageGroupId: 'room-1' },
        ],
      }),
    );

    // Assess
    expect(outcome.Successful?.map((entry) => entry.Id)).toEqual(['a', 'c']);
    expect(outcome.Failed).toEqual([
      {
        Id: 'b',
        SenderFault: true,
        Code: 'MissingParameter',
        Message: 'The request must contain the parameter MessageGroupId.',
      },
    ]);
  });

  it('answers GetQueueUrl and GetQueueAttributes', async () => {
    // Prepare
    const queue = newQueue();
    await client.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: 'x',
        MessageGroupId: 'g',
        MessageDeduplicationId: '1',
      }),
    );
    await client.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: 'y',
        MessageGroupId: 'h',
        MessageDeduplicationId: '2',
      }),
    );
    await client.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 1 }));

    // Act
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: queue.name }));
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }),
    );

    // Assess
    expect(QueueUrl).toBe(`${baseUrl}/000000000000/${queue.name}`);
    expect(Attributes).toMatchObject({
      QueueArn: `arn:aws:sqs:eu-west-1:000000000000:${queue.name}`,
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '1',
      FifoQueue: 'true',
      ContentBasedDeduplication: 'false',
      VisibilityTimeout: '30',
    });
  });

  it('deletes a message and changes the visibility of another', async () => {
    // Prepare
    const queue = newQueue();
    for (const [group, body] of [
      ['g', 'one'],
      ['h', 'two'],
    ]) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queue.url,
          MessageBody: body,
          MessageGroupId: group,
          MessageDeduplicationId: body,
        }),
      );
    }
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10 }),
    );

    // Act
    await client.send(
      new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: Messages[0]?.ReceiptHandle }),
    );
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queue.url,
        ReceiptHandle: Messages[1]?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const again = await client.send(new ReceiveMessageCommand({ QueueUrl: queue.url }));

    // Assess
    expect(Messages.map((message) => message.Body)).toEqual(['one', 'two']);
    expect(again.Messages?.map((message) => message.Body)).toEqual(['two']);
    expect(queues.counts(queue.name)).toEqual({ visible: 0, inFlight: 1, total: 1 });
  });

  it('changes the visibility of several received messages at once, reporting a bad handle per entry', async () => {
    // Prepare
    const queue = newQueue();
    for (const body of ['one', 'two']) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queue.url,
          MessageBody: body,
          MessageGroupId: `group-${body}`,
          MessageDeduplicationId: body,
        }),
      );
    }
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10 }),
    );

    // Act
    const changed = await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queue.url,
        Entries: [
          ...Messages.map((message, index) => ({
            Id: `m${index}`,
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
          { Id: 'stale', ReceiptHandle: 'not-a-handle', VisibilityTimeout: 0 },
        ],
      }),
    );
    const again = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10 }),
    );

    // Assess
    expect(changed.Successful?.map((entry) => entry.Id)).toEqual(['m0', 'm1']);
    expect(changed.Failed).toEqual([
      expect.objectContaining({ Id: 'stale', SenderFault: true, Code: 'ReceiptHandleIsInvalid' }),
    ]);
    expect(again.Messages?.map((message) => message.Body).sort()).toEqual(['one', 'two']);
  });

  it('refuses an empty visibility batch and repeated entry ids', async () => {
    // Prepare
    const queue = newQueue();
    const entry = { Id: 'same', ReceiptHandle: 'x', VisibilityTimeout: 0 };

    // Act / Assess
    await expect(
      client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queue.url, Entries: [] })),
    ).rejects.toBeInstanceOf(EmptyBatchRequest);
    await expect(
      client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queue.url, Entries: [entry, entry] })),
    ).rejects.toBeInstanceOf(BatchEntryIdsNotDistinct);
  });

  it('answers a long poll as soon as a message arrives', async () => {
    // Prepare
    const queue = newQueue();
    const polling = client.send(new ReceiveMessageCommand({ QueueUrl: queue.url, WaitTimeSeconds: 20 }));

    // Act
    await client.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: 'late',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'd',
      }),
    );

    // Assess
    expect((await polling).Messages?.map((message) => message.Body)).toEqual(['late']);
  });

  describe('errors, as the SDK classes them', () => {
    const validMessage = { MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'd' };
    const entries = (count: number) =>
      Array.from({ length: count }, (_, index) => ({
        Id: `e${index}`,
        ...validMessage,
        MessageDeduplicationId: `d${index}`,
      }));

    it.each([
      [
        'a FIFO message without MessageGroupId',
        'MissingParameter',
        (url: string) =>
          new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageDeduplicationId: 'd' }),
        undefined,
      ],
      [
        'a body over 256 KiB',
        'InvalidParameterValue',
        (url: string) =>
          new SendMessageCommand({ QueueUrl: url, ...validMessage, MessageBody: 'x'.repeat(262_145) }),
        undefined,
      ],
      [
        'a body with a control character',
        'InvalidParameterValue',
        (url: string) =>
          new SendMessageCommand({ QueueUrl: url, ...validMessage, MessageBody: 'bell \u0007' }),
        undefined,
      ],
      [
        'eleven batch entries',
        'TooManyEntriesInBatchRequest',
        (url: string) => new SendMessageBatchCommand({ QueueUrl: url, Entries: entries(11) }),
        TooManyEntriesInBatchRequest,
      ],
      [
        'repeated batch entry ids',
        'BatchEntryIdsNotDistinct',
        (url: string) =>
          new SendMessageBatchCommand({
            QueueUrl: url,
            Entries: [...entries(2), { ...validMessage, Id: 'e0' }],
          }),
        BatchEntryIdsNotDistinct,
      ],
      [
        'an empty batch',
        'EmptyBatchRequest',
        (url: string) => new SendMessageBatchCommand({ QueueUrl: url, Entries: [] }),
        EmptyBatchRequest,
      ],
      [
        'a batch entry id with a space',
        'InvalidBatchEntryId',
        (url: string) =>
          new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ ...validMessage, Id: 'a b' }] }),
        InvalidBatchEntryId,
      ],
      [
        'a batch over 256 KiB',
        'BatchRequestTooLong',
        (url: string) =>
          new SendMessageBatchCommand({
            QueueUrl: url,
            Entries: entries(2).map((entry) => ({ ...entry, MessageBody: 'x'.repeat(140_000) })),
          }),
        BatchRequestTooLong,
      ],
      [
        'a queue URL no queue has',
        'QueueDoesNotExist',
        (url: string) =>
          new SendMessageCommand({ QueueUrl: url.replace(/[^/]+$/, 'missing.fifo'), ...validMessage }),
        QueueDoesNotExist,
      ],
      [
        'a queue name no queue has',
        'QueueDoesNotExist',
        () => new GetQueueUrlCommand({ QueueName: 'missing.fifo' }),
        QueueDoesNotExist,
      ],
      [
        'a receipt handle the queue never issued',
        'ReceiptHandleIsInvalid',
        (url: string) => new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'forged' }),
        ReceiptHandleIsInvalid,
      ],
      [
        'an unknown queue attribute',
        'InvalidAttributeName',
        (url: string) =>
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Colour' as 'All'] }),
        InvalidAttributeName,
      ],
      [
        'an action the emulator does not serve',
        'UnsupportedOperation',
        (url: string) => new PurgeQueueCommand({ QueueUrl: url }),
        UnsupportedOperation,
      ],
    ] as const)('refuses %s with %s', async (_, name, command, ErrorClass) => {
      // Prepare
      const queue = newQueue();

      // Act
      const attempt = client.send(command(queue.url) as SendMessageCommand);

      // Assess
      const error = await attempt.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ErrorClass ?? SQSServiceException);
      expect(error).toMatchObject({ name, $fault: 'client', message: expect.any(String) });
      expect((error as Error).message).not.toBe('UnknownError');
      expect(queues.counts(queue.name).total).toBe(0);
    });

    it('answers MessageNotInflight for a message whose visibility timeout has passed', async () => {
      // Prepare
      const queue = newQueue();
      await client.send(new SendMessageCommand({ QueueUrl: queue.url, ...validMessage }));
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({ QueueUrl: queue.url, VisibilityTimeout: 0 }),
      );

      // Act
      const attempt = client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queue.url,
          ReceiptHandle: Messages[0]?.ReceiptHandle,
          VisibilityTimeout: 5,
        }),
      );

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(MessageNotInflight);
    });
  });

  describe('requests that are not SQS calls, or not signed', () => {
    it.each([
      ['GET /', { method: 'GET' }],
      [
        'another service',
        {
          method: 'POST',
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': 'DynamoDB_20120810.ListTables',
          },
        },
      ],
      [
        'the query protocol',
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'Action=ListQueues',
        },
      ],
    ])('leaves %s to the next handler', async (_, init) => {
      // Act
      const response = await fetch(`${baseUrl}/`, init);

      // Assess
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ message: 'Not Found' });
    });

    it.each(['constructor', 'toString', 'Nope'])(
      'answers UnsupportedOperation to the action %s',
      async (action) => {
        // Act
        const response = await fetch(`${baseUrl}/`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': `AmazonSQS.${action}`,
            authorization: 'AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST/20260101/eu-west-1/sqs/aws4_request',
          },
          body: '{}',
        });

        // Assess
        expect(response.status).toBe(400);
        expect(response.headers.get('x-amzn-query-error')).toBe(
          'AWS.SimpleQueueService.UnsupportedOperation;Sender',
        );
        expect(await response.json()).toEqual({
          __type: 'com.amazonaws.sqs#UnsupportedOperation',
          message: `${action} is not emulated by Parley's local SQS.`,
        });
      },
    );

    it.each([
      ['not JSON', '{'],
      ['a JSON list', '[]'],
      ['a number where a string belongs', '{"QueueUrl":"x","MessageBody":7}'],
    ])('answers SerializationException to a body that is %s', async (_, body) => {
      // Act
      const response = await fetch(`${baseUrl}/`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'AmazonSQS.SendMessage',
          authorization: 'AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST/20260101/eu-west-1/sqs/aws4_request',
        },
        body: body.replace('"x"', JSON.stringify(newQueue().url)),
      });

      // Assess
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        __type: 'com.amazon.coral.service#SerializationException',
      });
    });

    it('refuses an unsigned call with 403 MissingAuthenticationToken', async () => {
      // Act
      const response = await fetch(`${baseUrl}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.GetQueueUrl' },
        body: '{"QueueName":"api-1.fifo"}',
      });

      // Assess
      expect(response.status).toBe(403);
      expect(response.headers.get('x-amzn-query-error')).toBe('MissingAuthenticationToken;Sender');
      expect(await response.json()).toEqual({
        __type: 'com.amazonaws.sqs#MissingAuthenticationToken',
        message: 'Missing Authentication Token',
      });
    });
  });
});
