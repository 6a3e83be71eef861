/**
 * An established connection: routes its messages, enforces the frame limit and timeouts, delivers
 * what backends post, and runs `$disconnect` once when it closes.
 */
import { isUtf8 } from 'node:buffer';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { describeError } from '../logger.ts';
import type { GatewayConnection } from './connection-registry.ts';
import { disconnectEvent, messageEvent } from './events.ts';
import { FrameSizeGuard } from './frame-size-guard.ts';
import type { GatewayRuntime } from './runtime.ts';

/** Close codes the gateway uses, with the reasons it sends and reports to `$disconnect`. */
export const gatewayCloses = {
  /** DeleteConnection: the client sees a close frame without a status; `$disconnect` sees 1000. */
  deleted: { code: 1000, reason: 'Connection Closed Normally' },
  idle: { code: 1001, reason: 'Going away' },
  maxDuration: { code: 1001, reason: 'Going away' },
  stopping: { code: 1001, reason: 'Going away' },
  tooBig: { code: 1009, reason: 'Message too big' },
} as const;

export function openSession(
  runtime: GatewayRuntime,
  connection: GatewayConnection,
  socket: WebSocket,
  raw: Duplex,
  domainName: string,
): void {
  const { limits } = runtime.settings;
  connection.socket = socket;
  connection.state = 'open';
  connection.lastActiveAt = Date.now();

  const idle = setTimeout(() => closeByGateway(connection, gatewayCloses.idle), limits.idleTimeoutMs);
  const remaining = Math.max(0, limits.maxConnectionDurationMs - (Date.now() - connection.connectedAt));
  const maxDuration = setTimeout(() => closeByGateway(connection, gatewayCloses.maxDuration), remaining);
  idle.unref();
  maxDuration.unref();

  const guard = new FrameSizeGuard(limits.maxFrameBytes);
  const watchFrames = (chunk: Buffer) => {
    if (guard.feed(chunk)) {
      raw.off('data', watchFrames);
      closeByGateway(connection, gatewayCloses.tooBig);
    }
  };
  // Prepended so an oversized frame is seen before ws turns it into a message.
  raw.prependListener('data', watchFrames);

  socket.on('message', (data: Buffer, isBinary: boolean) => {
    if (connection.state !== 'open') return;
    connection.lastActiveAt = Date.now();
    idle.refresh();
    dispatchMessage(runtime, connection, domainName, data, isBinary);
  });

  socket.on('error', (error: Error & { code?: string }) => {
    if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      connection.state = 'closing';
      connection.serverClose ??= gatewayCloses.tooBig;
    } else {
      runtime.logger.warn(`connection ${connection.id}: ${describeError(error)}`);
    }
  });

  socket.on('close', (code: number, reason: Buffer) => {
    clearTimeout(idle);
    clearTimeout(maxDuration);
    raw.off('data', watchFrames);
    connection.state = 'closed';
    if (runtime.registry.get(connection.id) === connection) runtime.registry.delete(connection.id);
    if (connection.suppressDisconnect) return;
    const status = connection.serverClose ?? {
      code,
      reason: reason.toString('utf8') || describeCloseCode(code),
    };
    runtime.logger.info(`disconnected ${connection.id} (${status.code})`);
    const disconnect = runDisconnect(runtime, connection, domainName, status.code, status.reason);
    runtime.track(disconnect);
    connection.disconnected = disconnect.then(
      () => undefined,
      () => undefined, // reported by track()
    );
  });
}

/** Closes from the gateway's side; `$disconnect` then reports this code, whatever the client echoes. */
export function closeByGateway(
  connection: GatewayConnection,
  close: { readonly code: number; readonly reason: string },
): void {
  if (connection.state !== 'open' && connection.state !== 'closing') return;
  connection.state = 'closing';
  connection.serverClose ??= close;
  const socket = connection.socket;
  if (!socket || socket.readyState === WebSocket.CLOSED) return;
  if (close === gatewayCloses.deleted) socket.close();
  else socket.close(close.code, close.reason);
}

/**
 * Sends one message to the client, split into frames of at most `maxFrameBytes` as API Gateway does.
 * Valid UTF-8 goes as text, anything else as binary.
 */
export function sendToClient(
  connection: GatewayConnection,
  data: Uint8Array,
  maxFrameBytes: number,
): boolean {
  const socket = connection.socket;
  if (!socket || socket.readyState !== WebSocket.OPEN) return false;
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const binary = !isUtf8(buffer);
  if (buffer.length <= maxFrameBytes) {
    socket.send(buffer, { binary });
    return true;
  }
  for (let offset = 0; offset < buffer.length; offset += maxFrameBytes) {
    const end = Math.min(offset + maxFrameBytes, buffer.length);
    socket.send(buffer.subarray(offset, end), { binary, fin: end === buffer.length });
  }
  return true;
}

function dispatchMessage(
  runtime: GatewayRuntime,
  connection: GatewayConnection,
  domainName: string,
  data: Buffer,
  isBinary: boolean,
): void {
  const body = isBinary ? data.toString('base64') : data.toString('utf8');
  const routeKey = runtime.selectRoute(isBinary ? undefined : body);
  const route = routeKey === undefined ? undefined : runtime.integrations?.routes[routeKey];
  const event = messageEvent(
    runtime.settings,
    connection,
    domainName,
    routeKey ?? '$default',
    body,
    isBinary,
  );
  const reply = (message: string) =>
    sendToClient(
      connection,
      Buffer.from(
        JSON.stringify({ message, connectionId: connection.id, requestId: event.requestContext.requestId }),
      ),
      runtime.settings.limits.maxFrameBytes,
    );
  if (!route) {
    reply('Forbidden');
    return;
  }
  runtime.track(
    route.invoke(event).then((result) => {
      if (result.success) return;
      runtime.logger.warn(`${routeKey} failed for ${connection.id}: ${describeError(result.error.cause)}`);
      reply('Internal server error');
    }),
  );
}

export async function runDisconnect(
  runtime: GatewayRuntime,
  connection: GatewayConnection,
  domainName: string,
  code: number,
  reason: string,
): Promise<void> {
  const route = runtime.integrations?.routes.$disconnect;
  if (!route) return;
  const result = await route.invoke(disconnectEvent(runtime.settings, connection, domainName, code, reason));
  if (!result.success)
    runtime.logger.warn(`$disconnect failed for ${connection.id}: ${describeError(result.error.cause)}`);
}

function describeCloseCode(code: number): string {
  switch (code) {
    case 1000:
      return 'Connection Closed Normally';
    case 1001:
      return 'Going away';
    case 1005:
      return 'No status code';
    case 1006:
      return 'Connection closed abnormally';
    default:
      return '';
  }
}
