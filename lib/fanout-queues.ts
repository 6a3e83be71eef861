import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { defaults } from '../lambdas/defaults.ts';
import {
  type FunctionName,
  type QueueConsumer,
  type QueueName,
  queueConsumers,
} from '../lambdas/functions.ts';

export interface FanoutQueuesProps {
  /** Every catalogue function; the consumers in `queueConsumers` are taken from it. */
  readonly functions: Readonly<Record<FunctionName, IFunction>>;
  /**
   * Shard workers running at once across all rooms (the delivery queue's event source maximum
   * concurrency): with the post budget, what bounds the fan-out's share of the account's Lambda
   * concurrency and @connections rate.
   * @default 50
   */
  readonly deliveryConcurrency?: number;
  /**
   * What happens to the queues (and any messages in their dead-letter queues) when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The fan-out's two SQS FIFO queues, each with a dead-letter queue, feeding their consumers from the
 * catalogue (`queueConsumers`): publications (one message group per room) feed the rooms' sequencer,
 * deliveries (one group per room and member shard) feed the shard workers.
 *
 * FIFO for order: a group's messages reach Lambda one batch at a time, in order, while groups run in
 * parallel. High-throughput mode (throughput and de-duplication per message group) lifts the queue-wide
 * limit of 300 messages per second: each group, a room or a shard, keeps its own. Messages are
 * encrypted with SQS-managed keys and the queues accept only TLS.
 */
export class FanoutQueues extends Construct {
  readonly queues: Readonly<Record<QueueName, Queue>>;
  readonly deadLetterQueues: Readonly<Record<QueueName, Queue>>;

  constructor(scope: Construct, id: string, props: FanoutQueuesProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const queues: Partial<Record<QueueName, Queue>> = {};
    const deadLetterQueues: Partial<Record<QueueName, Queue>> = {};

    for (const [name, consumer] of Object.entries(queueConsumers) as [FunctionName, QueueConsumer][]) {
      const deadLetterQueue = new Queue(this, `${consumer.queue}DeadLetters`, {
        fifo: true,
        // The longest SQS keeps anything: time to find out why and redrive.
        retentionPeriod: Duration.days(14),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy,
      });
      const queue = new Queue(this, `${consumer.queue}Queue`, {
        fifo: true,
        fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
        deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
        visibilityTimeout: Duration.seconds(consumer.visibilityTimeoutSeconds),
        // A frame older than this is worth nothing live; history keeps messages for catch-up.
        retentionPeriod: Duration.hours(1),
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: consumer.maxReceiveCount },
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy,
      });
      props.functions[name].addEventSource(
        new SqsEventSource(queue, {
          batchSize: consumer.batchSize,
          reportBatchItemFailures: true,
          ...(consumer.queue === 'deliveries'
            ? { maxConcurrency: props.deliveryConcurrency ?? defaults.fanout.deliveryConcurrency }
            : {}),
        }),
      );
      queues[consumer.queue] = queue;
      deadLetterQueues[consumer.queue] = deadLetterQueue;
    }
    this.queues = queues as Record<QueueName, Queue>;
    this.deadLetterQueues = deadLetterQueues as Record<QueueName, Queue>;
  }
}
