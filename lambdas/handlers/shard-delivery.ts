/** Shard workers: consume the delivery queue (one FIFO group per room and member shard). */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { parseShardDelivery } from '../core/fanout-publications.ts';
import type { FanoutDeps } from '../core/room-fanout.ts';
import { deliverToShard } from '../core/shard-delivery.ts';
import { createQueueBatchHandler } from './queue-batch.ts';
import { deliveryQueueUrl, fanoutDepsFromEnv, loggerFor, queueClient } from './wiring.ts';

export function createShardDeliveryHandler(deps: FanoutDeps, client: SQSClient, queueUrl: string) {
  return createQueueBatchHandler({
    logger: deps.logger,
    client,
    queueUrl,
    parse: parseShardDelivery,
    process: (_group, batch) => deliverToShard(deps, batch),
  });
}

export const handler = createShardDeliveryHandler(
  fanoutDepsFromEnv(loggerFor('shard-delivery')),
  queueClient(),
  deliveryQueueUrl(),
);
