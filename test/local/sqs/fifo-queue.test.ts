import { describe, expect, it } from 'vitest';
import { createLocalLogger } from '../../../local/logger.ts';
import { FifoQueue, type FifoQueueProps, type ReceivedMessage } from '../../../local/sqs/fifo-queue.ts';

const start = Date.UTC(2026, 0, 1, 12, 0, 0);

/** A queue on a clock the test moves, with message ids m-1, m-2, … */
function queueOnClock(props: Partial<FifoQueueProps> = {}) {
  const clock = { now: start };
  let ids = 0;
  const queue = new FifoQueue(
    {
      name: 'fanout.fifo',
      arn: 'arn:aws:sqs:us-east-1:000000000000:fanout.fifo',
      accountId: '000000000000',
      visibilityTimeoutSeconds: 30,
      ...props,
    },
    () => clock.now,
    () => `m-${++ids}`,
  );
  /** Sends with the body (spaces as hyphens) as deduplication id by default; `null` sends none. */
  const send = (
    groupId: string,
    body: string,
    deduplicationId: string | null = body.replaceAll(' ', '-'),
  ) => {
    const sent = queue.send({ body, groupId, deduplicationId: deduplicationId ?? undefined });
    if (!sent.success) throw new Error(`${sent.error.code}: ${sent.error.message}`);
    return sent.data;
  };
  const advance = (ms: number) => {
    clock.now += ms;
  };
  return { queue, send, advance, clock };
}

const bodies = (messages: readonly ReceivedMessage[]) => messages.map((message) => message.body);

describe('FIFO queue model', () => {
  describe('order and message groups', () => {
    it('delivers the messages of a group in the order they were sent, with increasing sequence numbers', () => {
      // Prepare
      const { queue, send } = queueOnClock();
      const sent = ['a1', 'a2', 'a3'].map((body) => send('room-a', body));

      // Act
      const received = queue.receive(10);

      // Assess
      expect(bodies(received)).toEqual(['a1', 'a2', 'a3']);
      const sequence = sent.map((message) => BigInt(message.sequenceNumber));
      expect(sequence[0]).toBeLessThan(sequence[1] as bigint);
      expect(sequence[1]).toBeLessThan(sequence[2] as bigint);
      expect(received.map((message) => message.attributes.SequenceNumber)).toEqual(
        sent.map((message) => message.sequenceNumber),
      );
    });

    it('delivers nothing more of a group while one of its messages is in flight, until it is deleted', () => {
      // Prepare
      const { queue, send } = queueOnClock();
      send('room-a', 'a1');
      send('room-a', 'a2');
      const [first] = queue.receive(1);

      // Act
      const whileInFlight = queue.receive(10);
      queue.delete((first as ReceivedMessage).receiptHandle);
      const afterDelete = queue.receive(10);

      // Assess
      expect(bodies(whileInFlight)).toEqual([]);
      expect(bodies(afterDelete)).toEqual(['a2']);
    });

    it('delivers other groups while one group is blocked', () => {
      // Prepare
      const { queue, send } = queueOnClock();
      send('room-a', 'a1');
      send('room-a', 'a2');
      send('room-b', 'b1');
      queue.receive(1);

      // Act
      const received = queue.receive(10);

      // Assess
      expect(bodies(received)).toEqual(['b1']);
    });

    it('fills a receive from one group before turning to the group sent next', () => {
      // Prepare
      const { queue, send } = queueOnClock();
      send('room-a', 'a1');
      send('room-b', 'b1');
      send('room-a', 'a2');
      send('room-c', 'c1');

      // Act
      const received = queue.receive(3);

      // Assess
      expect(bodies(received)).toEqual(['a1', 'a2', 'b1']);
      expect(bodies(queue.receive(10))).toEqual(['c1']);
    });

    it('gives a message that comes back after its visibility timeout the head of its group again', () => {
      // Prepare
      const { queue, send, advance } = queueOnClock();
      send('room-a', 'a1');
      send('room-a', 'a2');
      const [first] = queue.receive(1);
      advance(29_999);
      const beforeTimeout = queue.receive(10);

      // Act
      advance(1);
      const [again, ...rest] = queue.receive(1);

      // Assess
      expect(beforeTimeout).toEqual([]);
      expect(rest).toEqual([]);
      expect(again?.body).toBe('a1');
      expect(again?.messageId).toBe(first?.messageId);
      expect(first?.attributes.ApproximateReceiveCount).toBe('1');
      expect(again?.attributes.ApproximateReceiveCount).toBe('2');
      expect(again?.attributes.ApproximateFirstReceiveTimestamp).toBe(String(start));
      expect(again?.receiptHandle).not.toBe(first?.receiptHandle);
    });

    it('makes a message visible at once when its visibility is changed to 0', () => {
      // Prepare
      const { queue, send } = queueOnClock();
      send('room-a', 'a1');
      const [first] = queue.receive(1);

      // Act
      const changed = queue.changeVisibility((first as ReceivedMessage).receiptHandle, 0);

      // Assess
      expect(changed.success).toBe(true);
      expect(bodies(queue.receive(1))).toEqual(['a1']);
    });

    it('answers MessageNotInflight when the visibility of a visible message is changed', () => {
      // Prepare
      const { queue, send, advance } = queueOnClock();
      send('room-a', 'a1');
      const [first] = queue.receive(1);
      advance(30_000);

      // Act
      const changed = queue.changeVisibility((first as ReceivedMessage).receiptHandle, 10);

      // Assess
      expect(changed).toEqual({
        success: false,
        error: expect.objectContaining({ code: 'MessageNotInflight' }),
      });
    });

    it('refuses the receipt handle of an earlier receive once the message was received again', () => {
      // Prepare
      const { queue, send, advance } = queueOnClock();
      send('room-a', 'a1');
      const [first] = queue.receive(1);
      advance(30_000);
      const [second] = queue.receive(1);

      // Act
      const stale = queue.delete((first as ReceivedMessage).receiptHandle);
      const current = queue.delete((second as ReceivedMessage).receiptHandle);
      const again = queue.delete((second as ReceivedMessage).receiptHandle);

      // Assess
      expect(stale).toEqual({
        success: false,
        error: expect.objectContaining({ code: 'ReceiptHandleIsInvalid' }),
      });
      expect(current).toEqual({ success: true, data: 'deleted' });
      expect(again).toEqual({ success: true, data: 'gone' });
    });

    it.each(['not-a-handle', Buffer.from('other.fifo m-1 1 abcdefgh').toString('base64url')])(
      'refuses the receipt handle %s, which this queue did not issue',
      (handle) => {
        // Prepare
        const { queue } = queueOnClock();

        // Act
        const deleted = queue.delete(handle);

        // Assess
        expect(deleted).toEqual({
          success: false,
          error: expect.objectContaining({ code: 'ReceiptHandleIsInvalid' }),
        });
      },
    );

    it('counts visible, in-flight and all messages, and says when the next in-flight one comes back', () => {
      // Prepare
      const { queue, send, advance } = queueOnClock();
      send('room-a', 'a1');
      send('room-a', 'a2');
      send('room-b', 'b1');
      queue.receive(1);
      advance(5_000);
      queue.receive(1, 60);

      // Act
      const counts = queue.counts();

      // Assess
      expect(counts).toEqual({ visible: 1, inFlight: 2, total: 3 });
      expect(queue.nextVisibilityAt()).toBe(start + 30_000);
    });

    it('tells subscribers of sends, receives and deletes, and stops when unsubscribed', () => {
      // Prepare
      const { queue, send } = queueOnClock();
      let calls = 0;
      const unsubscribe = queue.subscribe(() => calls++);

      // Act
      send('room-a', 'a1');
      const [message] = queue.receive(1);
      queue.receive(1); // nothing to receive: no change
      queue.delete((message as ReceivedMessage).receiptHandle);
      unsubscribe();
      send('room-a', 'a2');

      // Assess
      expect(calls).toBe(3);
    });
  });

  describe('deduplication', () => {
    it('accepts a duplicate within five minutes with the first message id, without enqueuing it', () => {
      // Prepare
      const { queue, send, advance } = queueOnClock();
      const first = send('room-a', 'hello', 'dedup-1');
      advance(5 * 60_000 - 1);

      // Act
      const duplicate = send('room-a', 'hello again', 'dedup-1');

      // Assess
      expect(duplicate).toMatchObject({
        messageId: first.messageId,
        sequenceNumber: first.sequenceNumber,
        duplicate: true,
        md5OfMessageBody: '44997f87b891f89472b7f2bbe4e000c3', // of "hello again": what the SDK checks
      });
      expect(queue.counts().total).toBe(1);
    });

    it('enqueues the same deduplication id again once five minutes have passed', () => {
      // Prepare
      const { queue, send, advance } = queueOnClock();
      const first = send('room-a', 'hello', 'dedup-1');
      advance(5 * 60_000);

      // Act
      const later = send('room-a', 'hello', 'dedup-1');

      // Assess
      expect(later.duplicate).toBe(false);
      expect(later.messageId).not.toBe(first.messageId);
      expect(queue.counts().total).toBe(2);
    });

    it('keeps deduplicating after the first message was deleted', () => {
      // Prepare
      const { queue, send } = queueOnClock();
      send('room-a', 'hello', 'dedup-1');
      const [message] = queue.receive(1);
      queue.delete((message as ReceivedMessage).receiptHandle);

      // Act
      const duplicate = send('room-a', 'hello', 'dedup-1');

      // Assess
      expect(duplicate.duplicate).toBe(true);
      expect(queue.counts().total).toBe(0);
    });

    it.each([
      ['queue', true],
      ['messageGroup', false],
    ] as const)(
      'with deduplication scope %s, a repeated id in another group is a duplicate: %s',
      (scope, duplicate) => {
        // Prepare
        const { queue, send } = queueOnClock({ deduplicationScope: scope });
        send('room-a', 'hello', 'dedup-1');

        // Act
        const other = send('room-b', 'hello', 'dedup-1');

        // Assess
        expect(other.duplicate).toBe(duplicate);
        expect(queue.counts().total).toBe(duplicate ? 1 : 2);
      },
    );

    it('deduplicates by the SHA-256 of the body with content-based deduplication, unless an id is given', () => {
      // Prepare
      const { queue, send } = queueOnClock({ contentBasedDeduplication: true });
      send('room-a', 'same body', null);

      // Act
      const sameBody = send('room-a', 'same body', null);
      const otherBody = send('room-a', 'other body', null);
      const explicitId = send('room-a', 'same body', 'explicit-1');
      const [received] = queue.receive(1);

      // Assess
      expect([sameBody.duplicate, otherBody.duplicate, explicitId.duplicate]).toEqual([true, false, false]);
      expect(received?.attributes.MessageDeduplicationId).toBe(
        '8f6372a8b1509601faa57ff3a292cfcccb95aa2325c18b8e50b0c035ea1648fe', // sha256sum of "same body"
      );
    });
  });

  describe('checks on a message', () => {
    const fault = (code: string, message: string | RegExp) => ({
      success: false,
      error: { code, message: expect.stringMatching(message) },
    });

    it.each([
      [{ body: 'x' }, fault('MissingParameter', /^The request must contain the parameter MessageGroupId\.$/)],
      [{ body: 'x', groupId: '' }, fault('MissingParameter', /parameter MessageGroupId/)],
      [{ groupId: 'g' }, fault('MissingParameter', /^The request must contain the parameter MessageBody\.$/)],
      [{ body: '', groupId: 'g' }, fault('MissingParameter', /parameter MessageBody/)],
      [
        { body: 'x', groupId: 'g' },
        fault(
          'InvalidParameterValue',
          /either have ContentBasedDeduplication enabled or MessageDeduplicationId/,
        ),
      ],
      [
        { body: 'x', groupId: 'room a', deduplicationId: 'd' },
        fault('InvalidParameterValue', /Value room a for parameter MessageGroupId is invalid/),
      ],
      [
        { body: 'x', groupId: 'g'.repeat(129), deduplicationId: 'd' },
        fault('InvalidParameterValue', /parameter MessageGroupId is invalid/),
      ],
      [
        { body: 'x', groupId: 'g', deduplicationId: 'dé' },
        fault('InvalidParameterValue', /parameter MessageDeduplicationId is invalid/),
      ],
      [
        { body: 'bad \u0000 byte', groupId: 'g', deduplicationId: 'd' },
        fault('InvalidParameterValue', /^Invalid binary character '#x0' was found in the message body/),
      ],
      [
        { body: 'escape \u001b', groupId: 'g', deduplicationId: 'd' },
        fault('InvalidParameterValue', /Invalid binary character '#x1B'/),
      ],
      [
        { body: 'lone \ud800 surrogate', groupId: 'g', deduplicationId: 'd' },
        fault('InvalidParameterValue', /Invalid binary character '#xD800'/),
      ],
      [
        { body: 'x', groupId: 'g', deduplicationId: 'd', delaySeconds: 5 },
        fault('InvalidParameterValue', /Value 5 for parameter DelaySeconds is invalid/),
      ],
    ])('refuses %o', (input, expected) => {
      // Prepare
      const { queue } = queueOnClock();

      // Act
      const sent = queue.send(input);

      // Assess
      expect(sent).toEqual(expected);
      expect(queue.counts().total).toBe(0);
    });

    it('accepts tabs, newlines, emoji and characters up to U+10FFFF', () => {
      // Prepare
      const { queue } = queueOnClock();

      // Act
      const sent = queue.send({
        body: 'line\n\ttab 🎉 \u{10FFFF} \uFFFD',
        groupId: 'g',
        deduplicationId: 'd',
      });

      // Assess
      expect(sent.success).toBe(true);
    });

    it('accepts a body of exactly 262,144 bytes and refuses one byte more, counting UTF-8 bytes', () => {
      // Prepare
      const { queue } = queueOnClock();
      const largest = 'é'.repeat(131_072); // 2 bytes each

      // Act
      const atLimit = queue.send({ body: largest, groupId: 'g', deduplicationId: 'd1' });
      const over = queue.send({ body: `${largest}x`, groupId: 'g', deduplicationId: 'd2' });

      // Assess
      expect(atLimit.success).toBe(true);
      expect(over).toEqual(
        fault(
          'InvalidParameterValue',
          /^One or more parameters are invalid\. Reason: Message must be shorter than 262144 bytes\.$/,
        ),
      );
    });

    it('counts message attributes against the size limit', () => {
      // Prepare
      const { queue } = queueOnClock();
      const attributes = { kind: { DataType: 'String', StringValue: 'broadcast' } }; // 4 + 6 + 9 bytes

      // Act
      const over = queue.send({
        body: 'x'.repeat(262_144 - 18),
        groupId: 'g',
        deduplicationId: 'd',
        messageAttributes: attributes,
      });

      // Assess
      expect(over).toEqual(fault('InvalidParameterValue', /Message must be shorter than 262144 bytes/));
    });
  });

  describe('dead-letter queue', () => {
    it('moves a message received more than maxReceiveCount times to the dead-letter queue and logs its id, not its body', () => {
      // Prepare
      const lines: string[] = [];
      const logger = createLocalLogger('info', (line) => lines.push(line));
      const deadLetters = queueOnClock({
        name: 'fanout-dlq.fifo',
        arn: 'arn:aws:sqs:us-east-1:000000000000:fanout-dlq.fifo',
      });
      const { queue, send, advance } = queueOnClock({
        redrive: { deadLetterQueue: deadLetters.queue, maxReceiveCount: 2 },
        logger,
      });
      send('room-a', 'secret body a1');
      send('room-a', 'a2');
      const receives = [queue.receive(1)];
      advance(30_000);
      receives.push(queue.receive(1));
      advance(30_000);

      // Act
      const third = queue.receive(1);

      // Assess
      expect(receives.map(bodies)).toEqual([['secret body a1'], ['secret body a1']]);
      expect(bodies(third)).toEqual(['a2']);
      expect(queue.counts()).toEqual({ visible: 0, inFlight: 1, total: 1 });
      const [dead] = deadLetters.queue.receive(10);
      expect(dead).toMatchObject({
        messageId: 'm-1',
        body: 'secret body a1',
        attributes: {
          MessageGroupId: 'room-a',
          DeadLetterQueueSourceArn: 'arn:aws:sqs:us-east-1:000000000000:fanout.fifo',
          ApproximateReceiveCount: '1',
        },
      });
      expect(lines).toEqual([
        '[parley-local] ERROR SQS fanout.fifo: message m-1 moved to dead-letter queue fanout-dlq.fifo after 2 receives',
      ]);
    });
  });
});
