/**
 * Runs an HTTP API Lambda handler (payload format 2.0) behind a Node `http` server: converts the
 * request to an `APIGatewayProxyEventV2` and writes the handler's result back. Generic: any HTTP route
 * of the local stack can use it, not only login and refresh.
 *
 * Parity notes (AWS behaviour reproduced as documented for payload 2.0): header names lower-cased,
 * repeated headers and query parameters joined with commas, cookies moved to `cookies`, a result
 * without `statusCode` sent as a 200 JSON body. Which bodies AWS base64-encodes is not documented
 * precisely; here every body whose content type is not textual is base64-encoded (so multipart and
 * URL-encoded forms arrive encoded, as they commonly do on AWS) — handlers must accept both.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';

/** API Gateway HTTP APIs accept payloads of up to 10 MB. */
export const defaultMaxBodyBytes = 10 * 1024 * 1024;

export type HttpApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResultV2>;

export interface HttpApiEventOptions {
  /** e.g. `POST /login`. @default `$default` */
  readonly routeKey?: string;
  /** @default `$default` */
  readonly stage?: string;
  readonly pathParameters?: Readonly<Record<string, string>>;
  /** @default 10 MiB; larger bodies get API Gateway's 413 */
  readonly maxBodyBytes?: number;
}

export class RequestTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
    this.name = 'RequestTooLargeError';
  }
}

/** Serves one request with a handler; failures become API Gateway's own 413 / 500 bodies. */
export async function serveHttpApi(
  handler: HttpApiHandler,
  req: IncomingMessage,
  res: ServerResponse,
  options: HttpApiEventOptions = {},
): Promise<void> {
  let event: APIGatewayProxyEventV2;
  try {
    event = await httpApiEventFrom(req, options);
  } catch (error) {
    // The request body could not be read: too large, or the client went away mid-upload. Either way the
    // rest of the body is never read; closing the connection discards it.
    if (res.headersSent || res.destroyed) return;
    const tooLarge = error instanceof RequestTooLargeError;
    writeHttpApiResult(res, {
      statusCode: tooLarge ? 413 : 400,
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ message: tooLarge ? 'Request Entity Too Large' : 'Bad Request' }),
    });
    return;
  }
  let result: APIGatewayProxyResultV2;
  try {
    result = await handler(event);
  } catch {
    // API Gateway hides the function's error from the client; so does the bridge.
    result = {
      statusCode: 500,
      headers: { 'content-type': 'application/json' },
      body: '{"message":"Internal Server Error"}',
    };
  }
  writeHttpApiResult(res, result);
}

export async function httpApiEventFrom(
  req: IncomingMessage,
  options: HttpApiEventOptions = {},
): Promise<APIGatewayProxyEventV2> {
  const body = await readBody(req, options.maxBodyBytes ?? defaultMaxBodyBytes);
  const url = new URL(req.url ?? '/', 'http://bridge.invalid');
  const rawQueryString = (req.url ?? '').includes('?')
    ? (req.url ?? '').slice((req.url ?? '').indexOf('?') + 1)
    : '';
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values && name !== 'cookie') headers[name] = values.join(',');
  }
  const cookies = (req.headersDistinct.cookie ?? [])
    .flatMap((header) => header.split(';'))
    .map((cookie) => cookie.trim())
    .filter((cookie) => cookie !== '');
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;
  const now = new Date();
  const routeKey = options.routeKey ?? '$default';
  const method = req.method ?? 'GET';
  const textual = isTextual(headers['content-type']);
  const host = headers.host ?? 'localhost';
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(options.pathParameters ? { pathParameters: { ...options.pathParameters } } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: options.stage ?? '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: textual ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !textual,
  };
}

/** Writes a payload-2.0 result: a structured `{ statusCode, … }`, or anything else as a 200 JSON body. */
export function writeHttpApiResult(res: ServerResponse, result: APIGatewayProxyResultV2): void {
  if (typeof result !== 'object' || result === null || !('statusCode' in result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result);
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  if (result.cookies && result.cookies.length > 0) headers['set-cookie'] = [...result.cookies];
  const body =
    result.body === undefined ? '' : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  res.writeHead(result.statusCode ?? 200, headers).end(body);
}

function isTextual(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/javascript'
  );
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new RequestTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new RequestTooLargeError(limit);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
