/**
 * The local stack's SQS: FIFO queues in memory (fifo-queue.ts), the JSON-protocol endpoint handlers
 * reach through `AWS_ENDPOINT_URL_SQS` (sqs-api.ts), and Lambda event source mappings that invoke
 * functions with their messages (queue-poller.ts).
 *
 * ```ts
 * const queues = createLocalQueues({ baseUrl: gateway.httpUrl, region, logger });
 * queues.createQueue('parley-dlq.fifo', { fifo: true, visibilityTimeoutSeconds: 30 });
 * queues.createQueue('parley-fanout.fifo', {
 *   fifo: true, visibilityTimeoutSeconds: 30, maxReceiveCount: 3, deadLetterQueue: 'parley-dlq.fifo',
 * });
 * queues.attach('parley-fanout.fifo', fanOutFunction, { batchSize: 10, maxConcurrency: 5 });
 * // in the server's fallback chain: if (await queues.handle(request, response)) return;
 * // env: AWS_ENDPOINT_URL_SQS = baseUrl, FANOUT_QUEUE_URL = queues.url('parley-fanout.fifo')
 * await queues.drain(10_000);
 * await queues.stop();
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalQueueError } from '../errors.ts';
import type { LocalFunction } from '../lambda/local-function.ts';
import { type LocalLogger, silentLogger } from '../logger.ts';
import type { DeduplicationScope } from './deduplication-window.ts';
import { FifoQueue, maxVisibilityTimeoutSeconds, type QueueCounts } from './fifo-queue.ts';
import { defaultMaximumMessageSizeBytes } from './message-rules.ts';
import { type QueuePoller, startQueuePoller } from './queue-poller.ts';
import { createSqsApi } from './sqs-api.ts';

export interface LocalQueuesProps {
  /** Where the endpoint is served, e.g. `http://127.0.0.1:8787`; queue URLs start with it. */
  readonly baseUrl: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly accountId?: string;
  /** @default silent */
  readonly logger?: LocalLogger;
  /** Epoch milliseconds, for tests that move time. @default Date.now */
  readonly now?: () => number;
}

export interface LocalQueueProps {
  /** Only FIFO queues are emulated; the name must end in `.fifo`. */
  readonly fifo: true;
  /** 0 to 43200. @default 30 */
  readonly visibilityTimeoutSeconds?: number;
  /** Receives after which a message moves to `deadLetterQueue` (1 to 1000); needs `deadLetterQueue`. */
  readonly maxReceiveCount?: number;
  /** Name of a FIFO queue created earlier; needs `maxReceiveCount`. @default none */
  readonly deadLetterQueue?: string;
  /** @default false */
  readonly contentBasedDeduplication?: boolean;
  /** `messageGroup` is high-throughput mode. @default 'queue' */
  readonly deduplicationScope?: DeduplicationScope;
  /** @default 262144 */
  readonly maximumMessageSizeBytes?: number;
}

export interface AttachProps {
  /** 1 to 10. @default 10 */
  readonly batchSize?: number;
  /** The event source mapping's maximum concurrency, 2 to 1000. @default 1000 */
  readonly maxConcurrency?: number;
  /** @default true */
  readonly reportBatchItemFailures?: boolean;
}

export interface LocalQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
}

export interface LocalQueues {
  /** Creates a queue; throws `LocalQueueError` listing every problem with the props. */
  createQueue(name: string, props: LocalQueueProps): LocalQueue;
  url(name: string): string;
  arn(name: string): string;
  /** Starts an event source mapping from the queue to `target`. One per queue. */
  attach(queueName: string, target: LocalFunction, props?: AttachProps): void;
  /** Serves SQS JSON-protocol requests; resolves false for any other request. */
  handle(request: IncomingMessage, response: ServerResponse): Promise<boolean>;
  counts(name: string): QueueCounts;
  /**
   * Resolves true once every queue with a consumer (see `attach`) is empty and no invocation runs, or
   * false when `timeoutMs` passes first. Queues nobody consumes (dead-letter queues) are not awaited.
   */
  drain(timeoutMs: number): Promise<boolean>;
  /** Stops the mappings (waiting for running invocations) and ends pending long polls. */
  stop(): Promise<void>;
}

const namePattern = /^[A-Za-z0-9_-]{1,75}\.fifo$/;

export function createLocalQueues(props: LocalQueuesProps): LocalQueues {
  const region = props.region ?? 'us-east-1';
  const accountId = props.accountId ?? '000000000000';
  const logger = props.logger ?? silentLogger;
  const baseUrl = props.baseUrl.replace(/\/+$/, '');
  const queues = new Map<string, FifoQueue>();
  const pollers = new Map<string, QueuePoller>();
  /** Drains waiting: told of every queue change and every invocation's end. */
  const drainers = new Set<() => void>();
  const changed = () => {
    for (const drainer of [...drainers]) drainer();
  };

  const queueNamed = (name: string): FifoQueue => {
    const queue = queues.get(name);
    if (!queue) {
      throw new LocalQueueError(
        `no local queue is named "${name}"; created: ${[...queues.keys()].join(', ') || 'none'}`,
      );
    }
    return queue;
  };
  const urlOf = (queue: FifoQueue) => `${baseUrl}/${accountId}/${queue.name}`;

  const api = createSqsApi({
    byName: (name, owner) => (owner === undefined || owner === accountId ? queues.get(name) : undefined),
    byUrl(url) {
      let path: string;
      try {
        path = new URL(url).pathname;
      } catch {
        return undefined;
      }
      const [, account, name, ...rest] = path.split('/');
      return account === accountId && name && rest.length === 0 ? queues.get(name) : undefined;
    },
    urlOf,
  });

  const busy = () =>
    [...pollers].some(
      ([name, poller]) => poller.activeInvocations() > 0 || (queues.get(name)?.counts().total ?? 0) > 0,
    );

  return {
    createQueue(name, queueProps) {
      const problems = checkQueueProps(name, queueProps, queues);
      if (problems.length > 0) throw new LocalQueueError(`queue ${name}: ${problems.join('; ')}`);
      const deadLetterQueue = queueProps.deadLetterQueue ? queues.get(queueProps.deadLetterQueue) : undefined;
      const queue = new FifoQueue(
        {
          name,
          arn: `arn:aws:sqs:${region}:${accountId}:${name}`,
          accountId,
          ...optional('visibilityTimeoutSeconds', queueProps.visibilityTimeoutSeconds),
          ...optional('contentBasedDeduplication', queueProps.contentBasedDeduplication),
          ...optional('deduplicationScope', queueProps.deduplicationScope),
          ...optional('maximumMessageSizeBytes', queueProps.maximumMessageSizeBytes),
          ...(deadLetterQueue && queueProps.maxReceiveCount !== undefined
            ? { redrive: { deadLetterQueue, maxReceiveCount: queueProps.maxReceiveCount } }
            : {}),
          logger,
        },
        props.now,
      );
      queue.subscribe(changed);
      queues.set(name, queue);
      return { name, url: urlOf(queue), arn: queue.arn };
    },
    url: (name) => urlOf(queueNamed(name)),
    arn: (name) => queueNamed(name).arn,
    attach(queueName, target, attachProps = {}) {
      const queue = queueNamed(queueName);
      if (pollers.has(queueName)) {
        throw new LocalQueueError(`queue ${queueName} already has a consumer; attach one function per queue`);
      }
      pollers.set(
        queueName,
        startQueuePoller({ queue, target, region, logger, ...attachProps, onInvocationEnd: changed }),
      );
    },
    handle: (request, response) => api.handle(request, response),
    counts: (name) => queueNamed(name).counts(),
    drain(timeoutMs) {
      if (!busy()) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const finish = (emptied: boolean) => {
          clearTimeout(timer);
          drainers.delete(check);
          resolve(emptied);
        };
        const check = () => {
          if (!busy()) finish(true);
        };
        const timer = setTimeout(() => finish(false), timeoutMs);
        drainers.add(check);
      });
    },
    async stop() {
      api.stop();
      await Promise.all([...pollers.values()].map((poller) => poller.stop()));
      pollers.clear();
    },
  };
}

function checkQueueProps(
  name: string,
  props: LocalQueueProps,
  queues: ReadonlyMap<string, FifoQueue>,
): string[] {
  const problems: string[] = [];
  if (queues.has(name)) problems.push('a queue of that name exists already');
  if (!namePattern.test(name)) {
    problems.push(
      `the name must be 1 to 80 letters, digits, hyphens or underscores ending in .fifo, got "${name}"`,
    );
  }
  if (props.fifo !== true) problems.push('only FIFO queues are emulated: pass fifo: true');
  const integer = (label: string, value: number | undefined, min: number, max: number) => {
    if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) {
      problems.push(`${label} must be an integer from ${min} to ${max}, got ${value}`);
    }
  };
  integer('visibilityTimeoutSeconds', props.visibilityTimeoutSeconds, 0, maxVisibilityTimeoutSeconds);
  integer('maxReceiveCount', props.maxReceiveCount, 1, 1000);
  integer('maximumMessageSizeBytes', props.maximumMessageSizeBytes, 1024, defaultMaximumMessageSizeBytes * 4);
  if ((props.maxReceiveCount === undefined) !== (props.deadLetterQueue === undefined)) {
    problems.push('maxReceiveCount and deadLetterQueue go together: a redrive policy needs both');
  }
  if (props.deadLetterQueue !== undefined && !queues.has(props.deadLetterQueue)) {
    problems.push(`the dead-letter queue "${props.deadLetterQueue}" must be created first`);
  }
  if (
    props.deduplicationScope !== undefined &&
    !['queue', 'messageGroup'].includes(props.deduplicationScope)
  ) {
    problems.push(`deduplicationScope must be "queue" or "messageGroup", got "${props.deduplicationScope}"`);
  }
  return problems;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
