/**
 * Errors of the local stack. They extend Parley's base class so callers branch on one tree with
 * `instanceof`; each message says what was wrong and what to do about it.
 */
import { ParleyError } from '../lambdas/core/errors.ts';

export class LocalStackError extends ParleyError {}

/** `java` is missing or older than DynamoDB Local needs. */
export class JavaRuntimeError extends LocalStackError {}

/** DynamoDB Local exited or never answered. */
export class DynamoDbLocalError extends LocalStackError {}

/** A function in lambdas/functions.ts could not be loaded (missing file, no `handler` export, cold-start throw). */
export class FunctionLoadError extends LocalStackError {}

/** An invocation outlived the configured timeout. */
export class InvocationTimeoutError extends LocalStackError {}

/** Another live local stack holds the data directory (or its orphaned DynamoDB Local could not be stopped). */
export class DataDirectoryLockedError extends LocalStackError {}

/** A local SQS queue was configured wrongly, or a queue name the emulator does not know was used. */
export class LocalQueueError extends LocalStackError {}
