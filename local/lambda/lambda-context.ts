/**
 * The `context` argument Lambda passes to a handler, filled with local values.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export interface LambdaContextProps {
  readonly functionName: string;
  readonly timeoutMs: number;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly accountId?: string;
}

export function createLambdaContext(props: LambdaContextProps): Context {
  const region = props.region ?? 'us-east-1';
  const accountId = props.accountId ?? '000000000000';
  const deadline = Date.now() + props.timeoutMs;
  const unsupported = () => {
    throw new Error(
      'context.done/fail/succeed are not supported locally; return or throw from an async handler',
    );
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: props.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${props.functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${props.functionName}`,
    logStreamName: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
