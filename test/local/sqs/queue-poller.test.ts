import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLocalLogger } from '../../../local/logger.ts';
import { FifoQueue, type FifoQueueProps } from '../../../local/sqs/fifo-queue.ts';
import {
  type QueuePoller,
  type QueuePollerProps,
  startQueuePoller,
} from '../../../local/sqs/queue-poller.ts';
import { recordingFunction } from '../support/recording-function.ts';

const arn = 'arn:aws:sqs:eu-west-1:000000000000:fanout.fifo';

const newQueue = (props: Partial<FifoQueueProps> = {}) =>
  new FifoQueue({
    name: 'fanout.fifo',
    arn,
    accountId: '000000000000',
    visibilityTimeoutSeconds: 30,
    ...props,
  });

const send = (queue: FifoQueue, groupId: string, ...bodies: string[]) => {
  for (const body of bodies) {
    const sent = queue.send({ body, groupId, deduplicationId: body });
    if (!sent.success) throw new Error(sent.error.message);
  }
};

/** Resolves once the queue satisfies `predicate`, checked after each of its changes. */
const queueReaches = (queue: FifoQueue, predicate: (queue: FifoQueue) => boolean, timeoutMs = 10_000) =>
  new Promise<void>((resolve, reject) => {
    if (predicate(queue)) return resolve();
    const timer = setTimeout(() => {
      unsubscribe();
      reject(
        new Error(`queue did not reach the state within ${timeoutMs} ms: ${JSON.stringify(queue.counts())}`),
      );
    }, timeoutMs);
    const unsubscribe = queue.subscribe(() => {
      if (!predicate(queue)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    });
  });
const isEmpty = (queue: FifoQueue) => queue.counts().total === 0;

const bodiesOf = (event: SQSEvent) => event.Records.map((record) => record.body);

describe('SQS event source mapping', () => {
  let poller: QueuePoller | undefined;
  const start = (props: QueuePollerProps) => {
    poller = startQueuePoller({ region: 'eu-west-1', ...props });
    return poller;
  };
  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
    vi.useRealTimers();
  });

  it('invokes the function with Lambda-shaped SQS events and deletes what it processed', async () => {
    // Prepare
    const queue = newQueue();
    const target = recordingFunction<SQSEvent>('fanOut');
    start({ queue, target });

    // Act
    send(queue, 'room-1', 'hello');
    const event = await target.waitForEvent();
    await queueReaches(queue, isEmpty);

    // Assess
    expect(event).toEqual({
      Records: [
        {
          messageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          receiptHandle: expect.any(String),
          body: 'hello',
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: expect.stringMatching(/^\d{13}$/),
            SenderId: '000000000000',
            ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
            SequenceNumber: expect.stringMatching(/^\d{20}$/),
            MessageGroupId: 'room-1',
            MessageDeduplicationId: 'hello',
          },
          messageAttributes: {},
          md5OfBody: '5d41402abc4b2a76b9719d911017c592', // md5sum of "hello"
          eventSource: 'aws:sqs',
          eventSourceARN: arn,
          awsRegion: 'eu-west-1',
        },
      ],
    });
  });

  it('passes message attributes as Lambda does', async () => {
    // Prepare
    const queue = newQueue();
    const target = recordingFunction<SQSEvent>('fanOut');
    start({ queue, target });

    // Act
    queue.send({
      body: 'x',
      groupId: 'g',
      deduplicationId: 'd',
      messageAttributes: { kind: { DataType: 'String', StringValue: 'broadcast' } },
    });
    const event = await target.waitForEvent();

    // Assess
    expect(event.Records[0]).toMatchObject({
      messageAttributes: {
        kind: { stringValue: 'broadcast', stringListValues: [], binaryListValues: [], dataType: 'String' },
      },
      md5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
  });

  it('delivers a group in order, in batches of at most batchSize, one batch of the group at a time', async () => {
    // Prepare
    const queue = newQueue();
    let running = 0;
    let mostRunning = 0;
    const target = recordingFunction<SQSEvent>('fanOut', async () => {
      running++;
      mostRunning = Math.max(mostRunning, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
    });
    const bodies = Array.from({ length: 25 }, (_, index) => `m${index}`);
    send(queue, 'room-1', ...bodies);

    // Act
    start({ queue, target, batchSize: 10 });
    await queueReaches(queue, isEmpty);

    // Assess
    expect(target.events.map((event) => event.Records.length)).toEqual([10, 10, 5]);
    expect(target.events.flatMap(bodiesOf)).toEqual(bodies);
    expect(mostRunning).toBe(1);
  });

  it('processes different groups concurrently, up to maxConcurrency, each group in order', async () => {
    // Prepare
    const queue = newQueue();
    const held: (() => void)[] = [];
    let heldChanged: () => void = () => undefined;
    /** The next invocation held by the function, once one is. */
    const nextHeld = async () => {
      while (held.length === 0) await new Promise<void>((resolve) => (heldChanged = resolve));
      return held.shift() as () => void;
    };
    let running = 0;
    let mostRunning = 0;
    const target = recordingFunction<SQSEvent>(
      'fanOut',
      () =>
        new Promise<void>((resolve) => {
          running++;
          mostRunning = Math.max(mostRunning, running);
          held.push(() => {
            running--;
            resolve();
          });
          heldChanged();
        }),
    );
    send(queue, 'room-a', 'a1', 'a2');
    send(queue, 'room-b', 'b1', 'b2');
    send(queue, 'room-c', 'c1', 'c2');
    const sent = start({ queue, target, batchSize: 1, maxConcurrency: 2 });

    // Act
    await target.waitForEvent(() => target.events.length === 2);
    const runningAtFirst = sent.activeInvocations();
    for (let invocation = 0; invocation < 6; invocation++) (await nextHeld())();
    await queueReaches(queue, isEmpty);

    // Assess
    expect(runningAtFirst).toBe(2);
    expect(mostRunning).toBe(2);
    const order = target.events.flatMap(bodiesOf);
    expect(order.slice(0, 2)).toEqual(['a1', 'b1']);
    for (const group of ['a', 'b', 'c']) {
      expect(order.filter((body) => body.startsWith(group))).toEqual([`${group}1`, `${group}2`]);
    }
  });

  it('returns the reported failures and the rest of their group to the queue, after the visibility timeout', async () => {
    // Prepare
    vi.useFakeTimers();
    const queue = newQueue();
    const target = recordingFunction<SQSEvent>('fanOut', (event): SQSBatchResponse => {
      if (target.events.length > 1) return { batchItemFailures: [] };
      const a2 = event.Records.find((record) => record.body === 'a2');
      return { batchItemFailures: [{ itemIdentifier: a2?.messageId as string }] };
    });
    send(queue, 'room-a', 'a1', 'a2', 'a3');
    send(queue, 'room-b', 'b1', 'b2');
    start({ queue, target });

    // Act
    await vi.advanceTimersByTimeAsync(0);
    const afterFirst = queue.counts();
    await vi.advanceTimersByTimeAsync(29_999);
    const invocationsBeforeTimeout = target.events.length;
    await vi.advanceTimersByTimeAsync(1);

    // Assess
    expect(bodiesOf(target.events[0] as SQSEvent)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);
    expect(afterFirst).toEqual({ visible: 0, inFlight: 2, total: 2 });
    expect(invocationsBeforeTimeout).toBe(1);
    const retry = target.events[1] as SQSEvent;
    expect(bodiesOf(retry)).toEqual(['a2', 'a3']);
    expect(retry.Records.map((record) => record.attributes.ApproximateReceiveCount)).toEqual(['2', '2']);
    expect(queue.counts().total).toBe(0);
    expect(vi.getTimerCount()).toBe(0); // idle: nothing polls
  });

  it.each([
    ['throws', () => Promise.reject(new Error('boom'))],
    [
      'returns a batchItemFailures entry that names no message',
      () => ({ batchItemFailures: [{ itemIdentifier: 'nope' }] }),
    ],
    ['returns an empty itemIdentifier', () => ({ batchItemFailures: [{ itemIdentifier: '' }] })],
    ['returns batchItemFailures that is not a list', () => ({ batchItemFailures: 'a1' })],
    ['times out', () => new Promise(() => undefined)],
  ])('returns the whole batch after the visibility timeout when the function %s', async (_, firstAttempt) => {
    // Prepare
    vi.useFakeTimers();
    const lines: string[] = [];
    const queue = newQueue();
    let attempts = 0;
    const target = recordingFunction<SQSEvent>(
      'fanOut',
      (): unknown => (++attempts === 1 ? firstAttempt() : undefined),
      1_000,
    );
    send(queue, 'room-a', 'a1', 'a2');
    send(queue, 'room-b', 'b1');
    start({ queue, target, logger: createLocalLogger('info', (line) => lines.push(line)) });

    // Act
    await vi.advanceTimersByTimeAsync(29_999);
    const invocationsBeforeTimeout = target.events.length;
    const countsBeforeTimeout = queue.counts();
    await vi.advanceTimersByTimeAsync(1);

    // Assess
    expect(invocationsBeforeTimeout).toBe(1);
    expect(countsBeforeTimeout).toEqual({ visible: 0, inFlight: 3, total: 3 });
    expect(bodiesOf(target.events[1] as SQSEvent)).toEqual(['a1', 'a2', 'b1']);
    expect(queue.counts().total).toBe(0);
    expect(lines).toEqual([
      expect.stringMatching(/^\[parley-local\] WARN fanOut .*a batch of 3 from fanout\.fifo/),
    ]);
    expect(lines.join('\n')).not.toMatch(/a1|b1/);
  });

  it('moves a message that keeps failing to the dead-letter queue after maxReceiveCount receives', async () => {
    // Prepare
    vi.useFakeTimers();
    const deadLetters = newQueue({ name: 'fanout-dlq.fifo', arn: `${arn.replace('fanout', 'fanout-dlq')}` });
    const queue = newQueue({ redrive: { deadLetterQueue: deadLetters, maxReceiveCount: 2 } });
    const target = recordingFunction<SQSEvent>('fanOut', (event) => {
      if (event.Records.some((record) => record.body === 'poison')) throw new Error('cannot handle');
    });
    send(queue, 'room-a', 'poison', 'after');
    start({ queue, target, batchSize: 1 });

    // Act
    await vi.advanceTimersByTimeAsync(60_000);

    // Assess
    expect(target.events.flatMap(bodiesOf)).toEqual(['poison', 'poison', 'after']);
    expect(queue.counts().total).toBe(0);
    expect(deadLetters.receive(10).map((message) => message.body)).toEqual(['poison']);
  });

  it('deletes the whole batch whatever the function returns when ReportBatchItemFailures is off', async () => {
    // Prepare
    const queue = newQueue();
    const target = recordingFunction<SQSEvent>('fanOut', (event) => ({
      batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId }],
    }));
    send(queue, 'room-a', 'a1', 'a2');

    // Act
    start({ queue, target, reportBatchItemFailures: false });
    await queueReaches(queue, isEmpty);

    // Assess
    expect(target.events).toHaveLength(1);
  });

  it('waits on stop for the invocation running and takes no more batches', async () => {
    // Prepare
    const queue = newQueue();
    let finish: () => void = () => undefined;
    const target = recordingFunction<SQSEvent>(
      'fanOut',
      () =>
        new Promise<void>((resolve) => {
          finish = resolve;
        }),
    );
    send(queue, 'room-a', 'a1');
    const running = start({ queue, target });
    await target.waitForEvent();

    // Act
    let stopped = false;
    const stopping = running.stop().then(() => {
      stopped = true;
    });
    send(queue, 'room-b', 'b1');
    await new Promise((resolve) => setImmediate(resolve));
    const stoppedEarly = stopped;
    finish();
    await stopping;

    // Assess
    expect(stoppedEarly).toBe(false);
    expect(target.events).toHaveLength(1);
    expect(queue.counts()).toEqual({ visible: 1, inFlight: 0, total: 1 });
  });

  it.each([
    [{ batchSize: 0 }, /batchSize must be an integer from 1 to 10, got 0/],
    [{ batchSize: 11 }, /batchSize must be an integer from 1 to 10, got 11/],
    [{ maxConcurrency: 1 }, /maxConcurrency must be an integer from 2 to 1000, got 1/],
  ])('refuses %o', (props, message) => {
    // Act / Assess
    expect(() =>
      startQueuePoller({ queue: newQueue(), target: recordingFunction('fanOut'), ...props }),
    ).toThrow(expect.objectContaining({ name: 'LocalQueueError', message: expect.stringMatching(message) }));
  });
});
