/**
 * The framing of SQS's JSON protocol (`POST /`, `Content-Type: application/x-amz-json-1.0`,
 * `X-Amz-Target: AmazonSQS.<Action>`): recognising a call, reading its body, and answering a result
 * or a fault. The one place a fault becomes HTTP.
 *
 * Faults are answered as SQS answers a query-compatible client: `__type` with the error's shape name,
 * and `x-amzn-query-error: <query code>;Sender`, from which @aws-sdk/client-sqs picks its exception
 * class (`QueueDoesNotExist` from `AWS.SimpleQueueService.NonExistentQueue`, …); errors without a
 * class of their own (`MissingParameter`, `InvalidParameterValue`) reach callers as
 * `SQSServiceException` with that `name`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ok, type Result } from '../../lambdas/core/result.ts';
import { type SqsFault, type SqsFaultCode, sqsFault } from './sqs-faults.ts';

/** A request's JSON body. */
export type SqsInput = Record<string, unknown>;

const jsonContentType = 'application/x-amz-json-1.0';
const maxRequestBytes = 4 * 1024 * 1024;

/** Status and query-protocol code of each fault: the only place faults become HTTP. */
const wire: Readonly<Record<SqsFaultCode, { readonly status: number; readonly queryCode: string }>> = {
  MissingParameter: { status: 400, queryCode: 'MissingParameter' },
  InvalidParameterValue: { status: 400, queryCode: 'InvalidParameterValue' },
  EmptyBatchRequest: { status: 400, queryCode: 'AWS.SimpleQueueService.EmptyBatchRequest' },
  TooManyEntriesInBatchRequest: {
    status: 400,
    queryCode: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  },
  BatchEntryIdsNotDistinct: { status: 400, queryCode: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct' },
  InvalidBatchEntryId: { status: 400, queryCode: 'AWS.SimpleQueueService.InvalidBatchEntryId' },
  BatchRequestTooLong: { status: 400, queryCode: 'AWS.SimpleQueueService.BatchRequestTooLong' },
  QueueDoesNotExist: { status: 400, queryCode: 'AWS.SimpleQueueService.NonExistentQueue' },
  ReceiptHandleIsInvalid: { status: 404, queryCode: 'ReceiptHandleIsInvalid' },
  MessageNotInflight: { status: 400, queryCode: 'AWS.SimpleQueueService.MessageNotInflight' },
  InvalidAttributeName: { status: 400, queryCode: 'InvalidAttributeName' },
  UnsupportedOperation: { status: 400, queryCode: 'AWS.SimpleQueueService.UnsupportedOperation' },
  SerializationException: { status: 400, queryCode: 'SerializationException' },
  MissingAuthenticationToken: { status: 403, queryCode: 'MissingAuthenticationToken' },
};

/** Whether the request is an SQS JSON-protocol call (any action). */
export function isSqsRequest(request: IncomingMessage): boolean {
  const path = (request.url ?? '/').split('?')[0];
  const target = request.headers['x-amz-target'];
  return (
    request.method === 'POST' &&
    path === '/' &&
    typeof target === 'string' &&
    target.startsWith('AmazonSQS.') &&
    (request.headers['content-type'] ?? '').split(';')[0]?.trim() === jsonContentType
  );
}

/** Reads the body as a JSON object. */
export async function readBody(request: IncomingMessage): Promise<Result<SqsInput, SqsFault>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= maxRequestBytes) chunks.push(chunk);
  }
  if (size > maxRequestBytes) {
    return sqsFault(
      'InvalidParameterValue',
      `The request body must be at most ${maxRequestBytes} bytes, got ${size}.`,
    );
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      return ok(parsed as SqsInput);
  } catch {
    // answered below
  }
  return sqsFault('SerializationException', 'The request body must be a JSON object.');
}

/** The access key id the request was signed with, standing in for the caller's IAM id. */
export function senderIdOf(authorization: string): string {
  return /Credential=([^/,\s]+)\//.exec(authorization)?.[1] ?? 'unknown';
}

/** Answers a result (200) or a fault (its status, `__type` and `x-amzn-query-error`). */
export function reply(response: ServerResponse, result: Result<object, SqsFault>): void {
  const requestId = randomUUID();
  if (result.success) {
    send(response, 200, result.data, { 'x-amzn-RequestId': requestId });
    return;
  }
  const { code, message } = result.error;
  const { status, queryCode } = wire[code];
  const namespace = code === 'SerializationException' ? 'com.amazon.coral.service' : 'com.amazonaws.sqs';
  send(
    response,
    status,
    { __type: `${namespace}#${code}`, message },
    { 'x-amzn-RequestId': requestId, 'x-amzn-query-error': `${queryCode};Sender` },
  );
}

function send(response: ServerResponse, status: number, body: object, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': jsonContentType,
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}
