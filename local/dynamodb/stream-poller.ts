/**
 * Reads the table's stream and invokes a function with Lambda-shaped `DynamoDBStreamEvent`s, the way
 * an event source mapping does: shards in order, records filtered by a pattern, one batch at a time
 * per shard, and `batchItemFailures` retried from the first failed record a bounded number of times.
 *
 * It starts at LATEST (records written before `startStreamPoller` resolves are not delivered), and
 * shards that appear later are read from TRIM_HORIZON so no record between shards is lost.
 */
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type Shard,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { LocalFunction } from '../lambda/local-function.ts';
import { describeError, type LocalLogger, silentLogger } from '../logger.ts';
import { type FilterPattern, matchesFilterPattern } from './stream-filter.ts';
import { toLambdaRecord } from './stream-records.ts';

export interface StreamPollerProps {
  readonly client: DynamoDBStreamsClient;
  readonly streamArn: string;
  readonly target: LocalFunction;
  /** @default every record */
  readonly filter?: FilterPattern;
  /** @default 100 (the CDK DynamoEventSource default) */
  readonly batchSize?: number;
  /** @default 100 */
  readonly pollIntervalMs?: number;
  /**
   * Retries of a failed batch (or of its failed tail) before its records are dropped with an error log.
   * Lambda's default is to retry until the record expires; a local stack must not spin forever.
   * @default 3 (Parley's CDK event source mapping)
   */
  readonly retryAttempts?: number;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default silent */
  readonly logger?: LocalLogger;
}

export interface StreamPoller {
  /** Stops polling and waits for the batch in progress, if any. */
  stop(): Promise<void>;
}

interface ShardCursor {
  readonly shardId: string;
  iterator: string | undefined;
  lastSequenceNumber: string | undefined;
}

const describeEveryMs = 5_000;

export async function startStreamPoller(props: StreamPollerProps): Promise<StreamPoller> {
  const { client, streamArn, target } = props;
  const logger = props.logger ?? silentLogger;
  const pollIntervalMs = props.pollIntervalMs ?? 100;
  const retryAttempts = props.retryAttempts ?? 3;
  const region = props.region ?? 'us-east-1';
  const cursors = new Map<string, ShardCursor>();
  const finished = new Set<string>();
  let lastDescribe = 0;
  let stopped = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;

  const iteratorFor = async (
    shardId: string,
    position: Omit<GetShardIteratorCommandInput, 'StreamArn' | 'ShardId'>,
  ) =>
    (await client.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ...position })))
      .ShardIterator;

  const discoverShards = async (initial: boolean) => {
    lastDescribe = Date.now();
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const page = await client.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      shards.push(...(page.StreamDescription?.Shards ?? []));
      exclusiveStartShardId = page.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    for (const shard of shards) {
      const shardId = shard.ShardId;
      if (!shardId || cursors.has(shardId) || finished.has(shardId)) continue;
      const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
      if (initial && closed) {
        finished.add(shardId);
        continue;
      }
      const iterator = await iteratorFor(shardId, { ShardIteratorType: initial ? 'LATEST' : 'TRIM_HORIZON' });
      cursors.set(shardId, { shardId, iterator, lastSequenceNumber: undefined });
    }
  };

  const deliver = async (records: DynamoDBRecord[]) => {
    let batch = records;
    for (let attempt = 0; ; attempt++) {
      const failedFrom = await invoke(batch);
      if (failedFrom === undefined) return;
      if (attempt >= retryAttempts || stopped) {
        logger.error(
          `${target.name}: dropping ${batch.length - failedFrom} stream record(s) after ${attempt + 1} attempt(s)`,
        );
        return;
      }
      batch = batch.slice(failedFrom);
      await delay(pollIntervalMs);
    }
  };

  /** Returns the index of the first record to retry, or undefined when the batch succeeded. */
  const invoke = async (batch: DynamoDBRecord[]): Promise<number | undefined> => {
    const event: DynamoDBStreamEvent = { Records: batch };
    const result = await target.invoke(event);
    if (!result.success) {
      logger.warn(
        `${target.name} failed on a batch of ${batch.length}: ${describeError(result.error.cause)}`,
      );
      return 0;
    }
    const failures = (result.data as Partial<DynamoDBBatchResponse> | undefined | null)?.batchItemFailures;
    if (!Array.isArray(failures) || failures.length === 0) return undefined;
    const indexes = failures.map((failure) =>
      batch.findIndex((record) => record.dynamodb?.SequenceNumber === failure?.itemIdentifier),
    );
    // Like Lambda: an identifier that names no record in the batch fails the whole batch.
    const first = indexes.includes(-1) ? 0 : Math.min(...indexes);
    logger.warn(
      `${target.name} reported ${failures.length} failed record(s); retrying from record ${first + 1} of ${batch.length}`,
    );
    return first;
  };

  const readShard = async (cursor: ShardCursor) => {
    if (!cursor.iterator) return;
    let page: Awaited<ReturnType<typeof getRecords>>;
    try {
      page = await getRecords(cursor.iterator);
    } catch (error) {
      if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
        cursor.iterator = await iteratorFor(
          cursor.shardId,
          cursor.lastSequenceNumber
            ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: cursor.lastSequenceNumber }
            : { ShardIteratorType: 'TRIM_HORIZON' },
        );
        return;
      }
      throw error;
    }
    cursor.iterator = page.NextShardIterator;
    if (!cursor.iterator) {
      cursors.delete(cursor.shardId);
      finished.add(cursor.shardId);
      lastDescribe = 0;
    }
    const records = page.Records ?? [];
    if (records.length === 0) return;
    cursor.lastSequenceNumber = records.at(-1)?.dynamodb?.SequenceNumber ?? cursor.lastSequenceNumber;
    const selected = records
      .map((record) => toLambdaRecord(record, streamArn, region))
      .filter((record) => !props.filter || matchesFilterPattern(props.filter, record));
    if (selected.length > 0) await deliver(selected);
  };

  const getRecords = (iterator: string) =>
    client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: props.batchSize ?? 100 }));

  const delay = (ms: number) =>
    new Promise<void>((resolveDelay) => {
      wake = resolveDelay;
      timer = setTimeout(resolveDelay, ms);
    });

  const loop = async () => {
    while (!stopped) {
      try {
        if (Date.now() - lastDescribe > describeEveryMs) await discoverShards(false);
        for (const cursor of [...cursors.values()]) {
          if (stopped) break;
          await readShard(cursor);
        }
      } catch (error) {
        if (!stopped) logger.warn(`stream poller: ${describeError(error)}`);
      }
      if (!stopped) await delay(pollIntervalMs);
    }
  };

  await discoverShards(true);
  const running = loop();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await running;
    },
  };
}
