import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/** True for a failed ConditionExpression, also when the error crossed from another copy of the SDK. */
export function isConditionFailure(error: unknown): error is ConditionalCheckFailedException {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException'
  );
}
