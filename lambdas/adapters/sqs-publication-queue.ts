/**
 * The PublicationQueue on an SQS FIFO queue: each room is its own message group, so a room's
 * publications reach its sequencer one batch at a time and in order, while rooms proceed in parallel.
 */
import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { encodePublication, type RoomPublication } from '../core/fanout-publications.ts';
import type { PublicationQueue } from '../core/ports.ts';
import { sendInOrder } from './sqs-batches.ts';

export class SqsPublicationQueue implements PublicationQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async publish(publications: readonly RoomPublication[]): Promise<void> {
    await sendInOrder(
      this.client,
      this.queueUrl,
      publications.map((publication) => ({
        body: encodePublication(publication),
        groupId: publication.room,
        // Fixed before the first attempt, so the SDK's retry of a send that did arrive is dropped as a repeat.
        deduplicationId: randomUUID(),
      })),
    );
  }
}
