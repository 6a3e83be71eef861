import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/** True for a failed ConditionExpression, also when the error crossed from another copy of the SDK. */
export function isConditionFailure(error: unknown): error is ConditionalCheckFailedException {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException'
  );
}

/**
 * The per-item cancellation reasons of a cancelled transaction, in TransactItems order (with the old
 * item where ReturnValuesOnConditionCheckFailure asked for it); undefined for any other error.
 */
export function cancellationReasons(
  error: unknown,
): ({ readonly code: string | undefined; readonly item: unknown } | undefined)[] | undefined {
  const isCancelled =
    error instanceof TransactionCanceledException ||
    (error as { name?: string } | null)?.name === 'TransactionCanceledException';
  if (!isCancelled) return undefined;
  return ((error as TransactionCanceledException).CancellationReasons ?? []).map((reason) => ({
    code: reason.Code,
    item: reason.Item,
  }));
}
