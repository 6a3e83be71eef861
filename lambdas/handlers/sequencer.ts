/** The rooms' sequencer: consumes the publication queue (one FIFO group per room). */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { parsePublication } from '../core/fanout-publications.ts';
import { type SequencerDeps, sequenceRoom } from '../core/room-sequencer.ts';
import { createQueueBatchHandler } from './queue-batch.ts';
import { fanoutDepsFromEnv, loggerFor, publicationQueueUrl, queueClient } from './wiring.ts';

export function createSequencerHandler(deps: SequencerDeps, client: SQSClient, queueUrl: string) {
  return createQueueBatchHandler({
    logger: deps.logger,
    client,
    queueUrl,
    parse: parsePublication,
    process: (room, batch, batchId) => sequenceRoom(deps, room, batch, batchId),
  });
}

export const handler = createSequencerHandler(
  fanoutDepsFromEnv(loggerFor('sequencer')),
  queueClient(),
  publicationQueueUrl(),
);
