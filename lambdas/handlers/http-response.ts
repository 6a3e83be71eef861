/**
 * Responses for Parley's HTTP API functions (payload v2). Every body is JSON; every response carries
 * `Cache-Control: no-store`, since these ones hold tokens or answer requests that carried passwords.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { BodyProblem, RequestBody } from '../core/form-body.ts';

const noStoreHeaders = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  pragma: 'no-cache',
} as const;

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { ...noStoreHeaders, ...headers }, body: JSON.stringify(body) };
}

/** The one mapping from body problems to status codes: 413, 415, else 400; `{ message }` says what is wrong. */
export function bodyProblemResponse(problem: BodyProblem): APIGatewayProxyStructuredResultV2 {
  const status = problem.kind === 'too-large' ? 413 : problem.kind === 'unsupported-media-type' ? 415 : 400;
  return jsonResponse(status, { message: problem.message });
}

/** The request body as the parsers want it. HTTP APIs lower-case header names; other callers may not. */
export function requestBodyOf(
  event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded' | 'headers'>,
): RequestBody {
  return {
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    contentType: headerValue(event.headers, 'content-type'),
  };
}

export function headerValue(
  headers: Readonly<Record<string, string | undefined>> | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  const exact = headers[name];
  if (exact !== undefined) return exact;
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/** What may be logged about a failure: its name. Messages of SDK errors can quote request parameters. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'NonError';
}
