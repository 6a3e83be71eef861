import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StoreError } from '../core/errors.ts';

const BATCH_LIMIT = 25;
const MAX_ROUNDS = 8;

/**
 * Deletes keys in batches of 25, retrying unprocessed items with exponential backoff. Deleting an
 * absent key succeeds, so the operation is idempotent and safe to repeat after a partial failure.
 */
export async function deleteKeys(
  client: DynamoDBDocumentClient,
  tableName: string,
  keysToDelete: readonly Record<string, string>[],
): Promise<void> {
  for (let start = 0; start < keysToDelete.length; start += BATCH_LIMIT) {
    let requests = keysToDelete.slice(start, start + BATCH_LIMIT).map((Key) => ({ DeleteRequest: { Key } }));
    for (let round = 0; requests.length > 0; round++) {
      if (round === MAX_ROUNDS)
        throw new StoreError(`${requests.length} deletes left unprocessed after ${MAX_ROUNDS} rounds`);
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 2 ** round * 25));
      const { UnprocessedItems } = await client.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
      );
      requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  }
}
