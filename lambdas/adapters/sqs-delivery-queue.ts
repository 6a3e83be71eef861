/**
 * The DeliveryQueue on an SQS FIFO queue: each room and shard is its own message group, so a shard's
 * deliveries run one after another (its members get frames in order) while the shards of a room, and
 * all rooms, run in parallel. A delivery whose frames exceed one message is split, in order, within
 * its group.
 */
import { createHash } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { encodeShardDelivery, type OutgoingFrame, type ShardDelivery } from '../core/fanout-publications.ts';
import type { DeliveryQueue } from '../core/ports.ts';
import { type FifoMessage, MAX_BATCH_BYTES, sendInOrder } from './sqs-batches.ts';

/** Room, shard and frame list stay below one message with room to spare for the JSON around them. */
const MAX_FRAME_BYTES_PER_MESSAGE = MAX_BATCH_BYTES - 4 * 1024;

export class SqsDeliveryQueue implements DeliveryQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(deliveries: readonly ShardDelivery[], batchId: string): Promise<void> {
    const messages: FifoMessage[] = [];
    for (const delivery of deliveries) {
      splitFrames(delivery.frames).forEach((frames, part) => {
        messages.push({
          body: encodeShardDelivery({ ...delivery, frames }),
          groupId: `${delivery.room}#${delivery.shard}`,
          // The same sequencer batch queued again (its retry) is dropped by the queue as a repeat.
          deduplicationId: createHash('sha256').update(`${batchId}#${delivery.shard}#${part}`).digest('hex'),
        });
      });
    }
    await sendInOrder(this.client, this.queueUrl, messages);
  }
}

function splitFrames(frames: readonly OutgoingFrame[]): OutgoingFrame[][] {
  const parts: OutgoingFrame[][] = [];
  let current: OutgoingFrame[] = [];
  let bytes = 0;
  for (const frame of frames) {
    const size = Buffer.byteLength(JSON.stringify(frame), 'utf8');
    if (current.length > 0 && bytes + size > MAX_FRAME_BYTES_PER_MESSAGE) {
      parts.push(current);
      current = [];
      bytes = 0;
    }
    current.push(frame);
    bytes += size;
  }
  if (current.length > 0) parts.push(current);
  return parts;
}
