/**
 * Consumes the table stream (filtered to inserted connection items) and welcomes each new connection.
 * Records are independent, so one failure is reported alone (`batchItemFailures`) and retried by the
 * event source mapping without replaying welcomes that were already delivered.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { toConnectionRecord } from '../adapters/dynamo-connection-store.ts';
import { keys } from '../adapters/table-layout.ts';
import { type WelcomeDeps, welcomeConnection } from '../core/connections.ts';
import { describeFailure } from '../core/failure.ts';
import { loggerFor, sessionDepsFromEnv } from './wiring.ts';

export function createConnectionEventsHandler(deps: WelcomeDeps) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const batchItemFailures: DynamoDBBatchResponse['batchItemFailures'] = [];
    await Promise.all(
      event.Records.map(async (record) => {
        const image = record.dynamodb?.NewImage;
        // The event source filter already narrows to inserted connections; check again so a wider filter is harmless.
        if (record.eventName !== 'INSERT' || !image || image.sk?.S !== keys.connectionSortKey) return;
        const connection = toConnectionRecord(unmarshall(image as Record<string, AttributeValue>));
        try {
          await welcomeConnection(deps, connection);
        } catch (error) {
          deps.logger.warn('welcome failed', {
            connectionId: connection.connectionId,
            ...describeFailure(error),
          });
          const sequenceNumber = record.dynamodb?.SequenceNumber;
          if (sequenceNumber) batchItemFailures.push({ itemIdentifier: sequenceNumber });
        }
      }),
    );
    return { batchItemFailures };
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const handler = createConnectionEventsHandler({
  ...sessionDepsFromEnv(loggerFor('connection-events')),
  sleep,
});
