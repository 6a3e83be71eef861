/**
 * The @connections management API — `POST|GET|DELETE <callbackUrl>/@connections/{connectionId}` —
 * in the REST-JSON form the SDK's ApiGatewayManagementApiClient speaks, so handlers use it unchanged.
 * A connection still in its `$connect` handshake, or already closed, is gone (410), as on AWS. Past
 * the account's request quota every call is refused with 429 (callback-throttle.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { closeByGateway, gatewayCloses, sendToClient } from './connection-session.ts';
import type { GatewayRuntime } from './runtime.ts';

/** Handles the request when its path is the stage's @connections API; returns false otherwise. */
export function handleManagementRequest(
  runtime: GatewayRuntime,
  request: IncomingMessage,
  response: ServerResponse,
): boolean {
  const path = (request.url ?? '/').split('?')[0] as string;
  const prefix = `/${runtime.settings.stage}/@connections/`;
  if (!path.startsWith(prefix)) return false;
  let connectionId: string;
  try {
    connectionId = decodeURIComponent(path.slice(prefix.length));
  } catch {
    fail(response, 400, 'BadRequestException', 'Invalid connection id encoding');
    return true;
  }
  // The real API requires SigV4; the SDK always signs, so an unsigned call means a misconfigured client.
  if (!request.headers.authorization?.startsWith('AWS4-HMAC-SHA256')) {
    fail(response, 403, 'ForbiddenException', 'Missing Authentication Token');
    request.resume();
    return true;
  }
  if (!runtime.callbackThrottle.admit(Date.now())) {
    request.resume();
    fail(response, 429, 'LimitExceededException', 'Rate exceeded');
    return true;
  }
  const method = request.method ?? 'GET';
  if (method === 'POST') post(runtime, connectionId, request, response).catch(() => response.destroy());
  else if (method === 'GET') {
    request.resume();
    get(runtime, connectionId, response);
  } else if (method === 'DELETE') {
    request.resume();
    remove(runtime, connectionId, response);
  } else {
    request.resume();
    fail(response, 403, 'ForbiddenException', `Method ${method} is not supported on @connections`);
  }
  return true;
}

async function post(
  runtime: GatewayRuntime,
  connectionId: string,
  request: IncomingMessage,
  response: ServerResponse,
) {
  const { maxMessageBytes, maxFrameBytes } = runtime.settings.limits;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= maxMessageBytes) chunks.push(chunk);
  }
  if (size > maxMessageBytes) {
    fail(response, 413, 'PayloadTooLargeException', `Message too long; at most ${maxMessageBytes} bytes`);
    return;
  }
  const connection = runtime.registry.established(connectionId);
  if (!connection || !sendToClient(connection, Buffer.concat(chunks), maxFrameBytes)) {
    gone(runtime, 'POST', connectionId, response);
    return;
  }
  connection.lastActiveAt = Date.now();
  response.writeHead(200).end();
}

function get(runtime: GatewayRuntime, connectionId: string, response: ServerResponse) {
  const connection = runtime.registry.established(connectionId);
  if (!connection) {
    gone(runtime, 'GET', connectionId, response);
    return;
  }
  json(response, 200, {
    connectedAt: new Date(connection.connectedAt).toISOString(),
    identity: {
      sourceIp: connection.sourceIp,
      ...(connection.userAgent !== undefined ? { userAgent: connection.userAgent } : {}),
    },
    lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
  });
}

function remove(runtime: GatewayRuntime, connectionId: string, response: ServerResponse) {
  const connection = runtime.registry.established(connectionId);
  if (!connection) {
    gone(runtime, 'DELETE', connectionId, response);
    return;
  }
  closeByGateway(connection, gatewayCloses.deleted);
  response.writeHead(204).end();
}

function gone(runtime: GatewayRuntime, method: string, connectionId: string, response: ServerResponse) {
  const state = runtime.registry.get(connectionId)?.state;
  const why =
    state === 'connecting' ? 'still in its $connect handshake' : state ? 'closing' : 'unknown or closed';
  runtime.logger.info(`@connections ${method} ${connectionId}: 410 (${why})`);
  fail(response, 410, 'GoneException', 'The connection with the provided id no longer exists');
}

function fail(response: ServerResponse, status: number, errorType: string, message: string) {
  json(response, status, { message }, { 'x-amzn-ErrorType': errorType });
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}
