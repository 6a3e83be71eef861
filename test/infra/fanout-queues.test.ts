import { describe, expect, it } from 'vitest';
import { defaults } from '../../lambdas/defaults.ts';
import { type FunctionName, type QueueName, queueConsumers } from '../../lambdas/functions.ts';
import { functionPermissions } from '../../lib/function-permissions.ts';
import {
  actionsOf,
  defaultTemplate,
  functionLogicalId,
  functionNames,
  functionProperties,
  type Resource,
  resourcesOfType,
  statementsOf,
  synthesize,
} from './template-helpers.ts';

const consumers = Object.entries(queueConsumers) as [
  FunctionName,
  NonNullable<(typeof queueConsumers)[FunctionName]>,
][];

/** The queue a consumer's event source mapping reads, with its logical id. */
function queueOf(template: ReturnType<typeof defaultTemplate>, name: FunctionName): [string, Resource] {
  const mapping = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').find(
    ([, resource]) =>
      JSON.stringify(resource.Properties.FunctionName) ===
      JSON.stringify({ Ref: functionLogicalId(template, name) }),
  );
  expect(mapping, `the event source mapping of ${name}`).toBeDefined();
  const source = mapping?.[1].Properties.EventSourceArn as { 'Fn::GetAtt': [string, string] } | undefined;
  const queueId = source?.['Fn::GetAtt'][0];
  const queue = resourcesOfType(template, 'AWS::SQS::Queue').find(([id]) => id === queueId);
  expect(queue, `the queue feeding ${name}`).toBeDefined();
  return queue as [string, Resource];
}

describe('fan-out queues', () => {
  it.each(consumers)(
    'feeds %s from a FIFO queue in batches, reporting failures item by item',
    (name, consumer) => {
      // Prepare
      const template = defaultTemplate();

      // Act
      const mapping = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').find(
        ([, resource]) =>
          JSON.stringify(resource.Properties.FunctionName) ===
          JSON.stringify({ Ref: functionLogicalId(template, name) }),
      );

      // Assess
      expect(mapping?.[1].Properties).toMatchObject({
        BatchSize: consumer.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ...(consumer.queue === 'deliveries'
          ? { ScalingConfig: { MaximumConcurrency: defaults.fanout.deliveryConcurrency } }
          : {}),
      });
    },
  );

  it.each(consumers)(
    'gives %s a FIFO queue with per-group throughput, a dead-letter queue, encryption and TLS only',
    (name, consumer) => {
      // Prepare
      const template = defaultTemplate();

      // Act
      const [queueId, queue] = queueOf(template, name);

      // Assess
      expect(queue.Properties).toMatchObject({
        FifoQueue: true,
        FifoThroughputLimit: 'perMessageGroupId',
        DeduplicationScope: 'messageGroup',
        SqsManagedSseEnabled: true,
        VisibilityTimeout: consumer.visibilityTimeoutSeconds,
        RedrivePolicy: { maxReceiveCount: consumer.maxReceiveCount },
      });
      // AWS's advice for a queue that feeds Lambda: visibility at least six times the function's timeout.
      expect(consumer.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(
        6 * Number(functionProperties(template, name).Timeout),
      );
      const deadLetterId = (
        queue.Properties.RedrivePolicy as { deadLetterTargetArn: { 'Fn::GetAtt': [string] } }
      ).deadLetterTargetArn['Fn::GetAtt'][0];
      expect(
        resourcesOfType(template, 'AWS::SQS::Queue').find(([id]) => id === deadLetterId)?.[1].Properties,
      ).toMatchObject({
        FifoQueue: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      const policies = resourcesOfType(template, 'AWS::SQS::QueuePolicy').filter(([, policy]) =>
        JSON.stringify(policy.Properties.Queues).includes(queueId),
      );
      expect(JSON.stringify(policies)).toContain('"aws:SecureTransport":"false"');
    },
  );

  it('lets each function send only to the queues its permissions name', () => {
    // Prepare
    const template = defaultTemplate();
    const queueIds = Object.fromEntries(
      consumers.map(([name, consumer]) => [consumer.queue, queueOf(template, name)[0]]),
    ) as Record<QueueName, string>;

    for (const name of functionNames) {
      // Act
      const sendsTo = statementsOf(template, name)
        .filter((statement) => actionsOf(statement).includes('sqs:SendMessage'))
        .map((statement) => JSON.stringify(statement.Resource));

      // Assess
      const expected = functionPermissions[name].sendsTo ?? [];
      expect(sendsTo.length, name).toBe(expected.length);
      for (const queue of expected)
        expect(
          sendsTo.some((resource) => resource.includes(queueIds[queue])),
          `${name} → ${queue}`,
        ).toBe(true);
    }
  });

  it('gives the workers the fan-out settings from the stack props', () => {
    // Prepare
    const template = synthesize({
      fanout: { directLimit: 250, postsPerSecond: 2_000, deliveryConcurrency: 20 },
    });

    // Act
    const variables = (
      functionProperties(template, 'sequencer').Environment as { Variables: Record<string, unknown> }
    ).Variables;
    const mapping = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').find(
      ([, resource]) =>
        JSON.stringify(resource.Properties.FunctionName) ===
        JSON.stringify({ Ref: functionLogicalId(template, 'shardDelivery') }),
    );

    // Assess
    expect(variables).toMatchObject({ FANOUT_DIRECT_LIMIT: '250', POSTS_PER_SECOND: '2000' });
    expect(mapping?.[1].Properties).toMatchObject({ ScalingConfig: { MaximumConcurrency: 20 } });
  });
});
