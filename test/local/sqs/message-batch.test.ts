import { describe, expect, it } from 'vitest';
import { FifoQueue } from '../../../local/sqs/fifo-queue.ts';
import { type BatchEntry, sendMessageBatch } from '../../../local/sqs/message-batch.ts';

const newQueue = () =>
  new FifoQueue({
    name: 'fanout.fifo',
    arn: 'arn:aws:sqs:us-east-1:000000000000:fanout.fifo',
    accountId: '000000000000',
  });

const entry = (id: string, overrides: Partial<BatchEntry> = {}): BatchEntry => ({
  id,
  body: `body ${id}`,
  groupId: 'room-a',
  deduplicationId: `dedup-${id}`,
  ...overrides,
});

describe('SendMessageBatch on a FIFO queue', () => {
  it.each([
    [[], 'EmptyBatchRequest', /^There should be at least one SendMessageBatchRequestEntry in the request\.$/],
    [
      Array.from({ length: 11 }, (_, index) => entry(`e${index}`)),
      'TooManyEntriesInBatchRequest',
      /^Maximum number of entries per request are 10\. You have sent 11\.$/,
    ],
    [[entry('same'), entry('other'), entry('same')], 'BatchEntryIdsNotDistinct', /^Id same repeated\.$/],
    [
      [entry('has space')],
      'InvalidBatchEntryId',
      /can only contain alphanumeric characters, hyphens and underscores/,
    ],
    [[entry('x'.repeat(81))], 'InvalidBatchEntryId', /at most 80 letters/],
    [
      [entry('a', { body: 'x'.repeat(200_000) }), entry('b', { body: 'y'.repeat(62_145) })],
      'BatchRequestTooLong',
      /^Batch requests cannot be longer than 262144 bytes\. You have sent 262145 bytes\.$/,
    ],
  ] as const)('refuses the whole batch %# with %s', (entries, code, message) => {
    // Prepare
    const queue = newQueue();

    // Act
    const outcome = sendMessageBatch(queue, entries);

    // Assess
    expect(outcome).toEqual({ success: false, error: { code, message: expect.stringMatching(message) } });
    expect(queue.counts().total).toBe(0);
  });

  it('sends ten entries of 26,214 bytes, 262,140 in all', () => {
    // Prepare
    const queue = newQueue();
    const entries = Array.from({ length: 10 }, (_, index) =>
      entry(`e${index}`, { body: 'x'.repeat(26_214) }),
    );

    // Act
    const outcome = sendMessageBatch(queue, entries);

    // Assess
    expect(outcome.success && outcome.data.successful).toHaveLength(10);
    expect(queue.counts().total).toBe(10);
  });

  it('sends the valid entries in order and reports each invalid one as a sender fault', () => {
    // Prepare
    const queue = newQueue();

    // Act
    const outcome = sendMessageBatch(queue, [
      entry('first'),
      entry('no-group', { groupId: undefined }),
      entry('bad-body', { body: 'nul \u0000' }),
      entry('last'),
    ]);

    // Assess
    expect(outcome).toEqual({
      success: true,
      data: {
        successful: [
          expect.objectContaining({ id: 'first', messageId: expect.any(String), duplicate: false }),
          expect.objectContaining({ id: 'last', messageId: expect.any(String), duplicate: false }),
        ],
        failed: [
          {
            id: 'no-group',
            code: 'MissingParameter',
            message: 'The request must contain the parameter MessageGroupId.',
            senderFault: true,
          },
          {
            id: 'bad-body',
            code: 'InvalidParameterValue',
            message: expect.stringMatching(/^Invalid binary character '#x0'/),
            senderFault: true,
          },
        ],
      },
    });
    expect(queue.receive(10).map((message) => message.body)).toEqual(['body first', 'body last']);
  });
});
