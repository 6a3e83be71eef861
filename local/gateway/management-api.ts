/**
 * The @connections management API — `POST|GET|DELETE <callbackUrl>/@connections/{connectionId}` —
 * in the REST-JSON form the SDK's ApiGatewayManagementApiClient speaks, so handlers use it unchanged.
 * A connection still in its `$connect` handshake, or already closed, is gone (410), as on AWS. Past
 * the account's request quota every call is refused with 429 (callback-throttle.ts).
 *
 * One call is answered by `answerManagementCall`, whatever carried it: an HTTP request on the gateway's
 * port (`handleManagementRequest`, for any client), or the in-process transport the local stack gives the
 * handlers' own SDK client (in-process-connections.ts), which skips only the socket.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { closeByGateway, gatewayCloses, sendToClient } from './connection-session.ts';
import type { GatewayRuntime } from './runtime.ts';

/** One @connections call, however it arrived. */
export interface ManagementCall {
  readonly method: string;
  /** The request path, without the query string. */
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: Uint8Array;
  /** The body's size when larger than what was kept of it (an HTTP body past the message limit). */
  readonly bodyBytes: number;
}

/** The answer: status, headers and a JSON body when there is one. */
export interface ManagementAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** The connection id a path addresses on the stage's @connections API; `undefined` for other paths. */
export function managementTarget(
  runtime: GatewayRuntime,
  path: string,
): { readonly connectionId: string } | { readonly badEncoding: true } | undefined {
  const prefix = `/${runtime.settings.stage}/@connections/`;
  if (!path.startsWith(prefix)) return undefined;
  try {
    return { connectionId: decodeURIComponent(path.slice(prefix.length)) };
  } catch {
    return { badEncoding: true };
  }
}

export function answerManagementCall(runtime: GatewayRuntime, call: ManagementCall): ManagementAnswer {
  const target = managementTarget(runtime, call.path);
  if (!target) return fail(404, 'NotFoundException', `No @connections resource at ${call.path}`);
  if ('badEncoding' in target) return fail(400, 'BadRequestException', 'Invalid connection id encoding');
  // The real API requires SigV4; the SDK always signs, so an unsigned call means a misconfigured client.
  if (!call.authorization?.startsWith('AWS4-HMAC-SHA256')) {
    return fail(403, 'ForbiddenException', 'Missing Authentication Token');
  }
  if (!runtime.callbackThrottle.admit(Date.now()))
    return fail(429, 'LimitExceededException', 'Rate exceeded');
  const { connectionId } = target;
  switch (call.method) {
    case 'POST':
      return post(runtime, connectionId, call);
    case 'GET':
      return get(runtime, connectionId);
    case 'DELETE':
      return remove(runtime, connectionId);
    default:
      return fail(403, 'ForbiddenException', `Method ${call.method} is not supported on @connections`);
  }
}

/** Handles the request when its path is the stage's @connections API; returns false otherwise. */
export function handleManagementRequest(
  runtime: GatewayRuntime,
  request: IncomingMessage,
  response: ServerResponse,
): boolean {
  const path = (request.url ?? '/').split('?')[0] as string;
  if (!managementTarget(runtime, path)) return false;
  readBody(request, runtime.settings.limits.maxMessageBytes)
    .then(({ body, bytes }) => {
      const answer = answerManagementCall(runtime, {
        method: request.method ?? 'GET',
        path,
        authorization: request.headers.authorization,
        body,
        bodyBytes: bytes,
      });
      response.writeHead(answer.status, answer.headers).end(answer.body);
    })
    .catch(() => response.destroy());
  return true;
}

/** Reads a request body, keeping at most `limit` bytes of it but counting them all. */
async function readBody(
  request: IncomingMessage,
  limit: number,
): Promise<{ body: Uint8Array; bytes: number }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes <= limit) chunks.push(chunk);
  }
  return { body: Buffer.concat(chunks), bytes };
}

function post(runtime: GatewayRuntime, connectionId: string, call: ManagementCall): ManagementAnswer {
  const { maxMessageBytes, maxFrameBytes } = runtime.settings.limits;
  if (Math.max(call.bodyBytes, call.body.length) > maxMessageBytes) {
    return fail(413, 'PayloadTooLargeException', `Message too long; at most ${maxMessageBytes} bytes`);
  }
  const connection = runtime.registry.established(connectionId);
  if (!connection || !sendToClient(connection, Buffer.from(call.body), maxFrameBytes)) {
    return gone(runtime, 'POST', connectionId);
  }
  connection.lastActiveAt = Date.now();
  return { status: 200, headers: {} };
}

function get(runtime: GatewayRuntime, connectionId: string): ManagementAnswer {
  const connection = runtime.registry.established(connectionId);
  if (!connection) return gone(runtime, 'GET', connectionId);
  return json(200, {
    connectedAt: new Date(connection.connectedAt).toISOString(),
    identity: {
      sourceIp: connection.sourceIp,
      ...(connection.userAgent !== undefined ? { userAgent: connection.userAgent } : {}),
    },
    lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
  });
}

function remove(runtime: GatewayRuntime, connectionId: string): ManagementAnswer {
  const connection = runtime.registry.established(connectionId);
  if (!connection) return gone(runtime, 'DELETE', connectionId);
  closeByGateway(connection, gatewayCloses.deleted);
  return { status: 204, headers: {} };
}

function gone(runtime: GatewayRuntime, method: string, connectionId: string): ManagementAnswer {
  const state = runtime.registry.get(connectionId)?.state;
  const why =
    state === 'connecting' ? 'still in its $connect handshake' : state ? 'closing' : 'unknown or closed';
  runtime.logger.info(`@connections ${method} ${connectionId}: 410 (${why})`);
  return fail(410, 'GoneException', 'The connection with the provided id no longer exists');
}

function fail(status: number, errorType: string, message: string): ManagementAnswer {
  return json(status, { message }, { 'x-amzn-ErrorType': errorType });
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): ManagementAnswer {
  const text = JSON.stringify(body);
  return {
    status,
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    },
    body: text,
  };
}
