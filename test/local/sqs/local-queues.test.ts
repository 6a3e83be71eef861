import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalQueues, type LocalQueueProps } from '../../../local/sqs/local-queues.ts';
import { recordingFunction } from '../support/recording-function.ts';
import { type SqsServer, sqsTestCredentials, startSqsServer } from '../support/sqs-server.ts';

describe('local queues', () => {
  let sqs: SqsServer | undefined;
  afterEach(async () => {
    await sqs?.stop();
    sqs = undefined;
  });

  it('runs a fan-out chain whose first function sends to the second queue, and drains it', async () => {
    // Prepare
    sqs = await startSqsServer();
    const { queues, client, baseUrl } = sqs;
    queues.createQueue('rooms.fifo', { fifo: true, visibilityTimeoutSeconds: 30 });
    queues.createQueue('deliveries.fifo', {
      fifo: true,
      visibilityTimeoutSeconds: 30,
      contentBasedDeduplication: true,
    });
    const handlerClient = new SQSClient({
      endpoint: baseUrl,
      region: 'us-east-1',
      credentials: sqsTestCredentials,
    });
    const fanOut = recordingFunction<SQSEvent>('fanOut', async (event) => {
      for (const record of event.Records) {
        await handlerClient.send(
          new SendMessageBatchCommand({
            QueueUrl: queues.url('deliveries.fifo'),
            Entries: ['c1', 'c2'].map((connection) => ({
              Id: connection,
              MessageBody: `${record.body} → ${connection}`,
              MessageGroupId: connection,
            })),
          }),
        );
      }
    });
    const deliver = recordingFunction<SQSEvent>('deliver');
    queues.attach('rooms.fifo', fanOut, { batchSize: 10, maxConcurrency: 2 });
    queues.attach('deliveries.fifo', deliver, { batchSize: 1, maxConcurrency: 5 });

    // Act
    for (const text of ['one', 'two']) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queues.url('rooms.fifo'),
          MessageBody: text,
          MessageGroupId: 'room-1',
          MessageDeduplicationId: text,
        }),
      );
    }
    const drained = await queues.drain(15_000);
    handlerClient.destroy();

    // Assess
    expect(drained).toBe(true);
    expect(queues.counts('rooms.fifo')).toEqual({ visible: 0, inFlight: 0, total: 0 });
    expect(queues.counts('deliveries.fifo')).toEqual({ visible: 0, inFlight: 0, total: 0 });
    const delivered = deliver.events.flatMap((event) => event.Records.map((record) => record.body));
    expect(delivered.filter((body) => body.endsWith('c1'))).toEqual(['one → c1', 'two → c1']);
    expect(delivered.filter((body) => body.endsWith('c2'))).toEqual(['one → c2', 'two → c2']);
  });

  it('drains at once when nothing is queued, and does not wait for queues nobody consumes', async () => {
    // Prepare
    sqs = await startSqsServer();
    const { queues, client } = sqs;
    queues.createQueue('dead.fifo', { fifo: true });
    queues.createQueue('work.fifo', { fifo: true, maxReceiveCount: 1, deadLetterQueue: 'dead.fifo' });
    queues.attach('work.fifo', recordingFunction('worker'));
    await client.send(
      new SendMessageCommand({
        QueueUrl: queues.url('dead.fifo'),
        MessageBody: 'parked',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'd',
      }),
    );

    // Act
    const drained = await queues.drain(10_000);

    // Assess
    expect(drained).toBe(true);
    expect(queues.counts('dead.fifo').total).toBe(1);
  });

  it('answers false when the ceiling passes with a message still waiting to be retried', async () => {
    // Prepare
    sqs = await startSqsServer();
    const { queues, client } = sqs;
    queues.createQueue('work.fifo', { fifo: true, visibilityTimeoutSeconds: 600 });
    const worker = recordingFunction('worker', () => {
      throw new Error('down');
    });
    queues.attach('work.fifo', worker);
    await client.send(
      new SendMessageCommand({
        QueueUrl: queues.url('work.fifo'),
        MessageBody: 'x',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'd',
      }),
    );
    await worker.waitForEvent();

    // Act
    const drained = await queues.drain(200);

    // Assess
    expect(drained).toBe(false);
    expect(queues.counts('work.fifo')).toEqual({ visible: 0, inFlight: 1, total: 1 });
  });

  it('names queues by URL and ARN in the configured region and account', () => {
    // Prepare
    const queues = createLocalQueues({
      baseUrl: 'http://127.0.0.1:8787/',
      region: 'eu-west-1',
      accountId: '123456789012',
    });

    // Act
    const created = queues.createQueue('fanout.fifo', { fifo: true });

    // Assess
    expect(created).toEqual({
      name: 'fanout.fifo',
      url: 'http://127.0.0.1:8787/123456789012/fanout.fifo',
      arn: 'arn:aws:sqs:eu-west-1:123456789012:fanout.fifo',
    });
    expect(queues.url('fanout.fifo')).toBe(created.url);
    expect(queues.arn('fanout.fifo')).toBe(created.arn);
    expect(() => queues.url('other.fifo')).toThrow(
      expect.objectContaining({
        name: 'LocalQueueError',
        message: 'no local queue is named "other.fifo"; created: fanout.fifo',
      }),
    );
  });

  it.each([
    [
      'plain',
      { fifo: true },
      /the name must be 1 to 80 letters, digits, hyphens or underscores ending in \.fifo, got "plain"/,
    ],
    ['q.fifo', { fifo: false as true }, /only FIFO queues are emulated: pass fifo: true/],
    [
      'q.fifo',
      { fifo: true, visibilityTimeoutSeconds: 43_201 },
      /visibilityTimeoutSeconds must be an integer from 0 to 43200, got 43201/,
    ],
    ['q.fifo', { fifo: true, maxReceiveCount: 3 }, /maxReceiveCount and deadLetterQueue go together/],
    [
      'q.fifo',
      { fifo: true, maxReceiveCount: 3, deadLetterQueue: 'dlq.fifo' },
      /the dead-letter queue "dlq\.fifo" must be created first/,
    ],
    ['existing.fifo', { fifo: true }, /a queue of that name exists already/],
  ] as [string, LocalQueueProps, RegExp][])('refuses to create %s with %o', (name, props, message) => {
    // Prepare
    const queues = createLocalQueues({ baseUrl: 'http://127.0.0.1:8787' });
    queues.createQueue('existing.fifo', { fifo: true });

    // Act / Assess
    expect(() => queues.createQueue(name, props)).toThrow(
      expect.objectContaining({ name: 'LocalQueueError', message: expect.stringMatching(message) }),
    );
  });

  it('lists every problem with a queue at once', () => {
    // Prepare
    const queues = createLocalQueues({ baseUrl: 'http://127.0.0.1:8787' });

    // Act / Assess
    expect(() =>
      queues.createQueue('bad name', { fifo: true, visibilityTimeoutSeconds: -1, maxReceiveCount: 0 }),
    ).toThrow(
      /^queue bad name: the name must .*; visibilityTimeoutSeconds must .*; maxReceiveCount must .*; maxReceiveCount and deadLetterQueue go together/,
    );
  });

  it('attaches one consumer per queue', () => {
    // Prepare
    const queues = createLocalQueues({ baseUrl: 'http://127.0.0.1:8787' });
    queues.createQueue('work.fifo', { fifo: true });
    queues.attach('work.fifo', recordingFunction('first'));

    // Act / Assess
    expect(() => queues.attach('work.fifo', recordingFunction('second'))).toThrow(/already has a consumer/);
    return queues.stop();
  });
});
