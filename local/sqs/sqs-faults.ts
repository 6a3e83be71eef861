/**
 * The expected failures of the SQS emulator, as values: the queue model returns them in a `Result`
 * and the JSON endpoint (sqs-api.ts) alone turns them into status codes and error shapes.
 * Codes are SQS's own (the query-protocol `Code` a batch entry's `Failed` carries).
 */
import { fail } from '../../lambdas/core/result.ts';

export type SqsFaultCode =
  | 'MissingParameter'
  | 'InvalidParameterValue'
  | 'EmptyBatchRequest'
  | 'TooManyEntriesInBatchRequest'
  | 'BatchEntryIdsNotDistinct'
  | 'InvalidBatchEntryId'
  | 'BatchRequestTooLong'
  | 'QueueDoesNotExist'
  | 'ReceiptHandleIsInvalid'
  | 'MessageNotInflight'
  | 'InvalidAttributeName'
  | 'UnsupportedOperation'
  | 'SerializationException'
  | 'MissingAuthenticationToken';

export interface SqsFault {
  readonly code: SqsFaultCode;
  readonly message: string;
}

export const sqsFault = (code: SqsFaultCode, message: string) => fail<SqsFault>({ code, message });
