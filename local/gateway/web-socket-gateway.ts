/**
 * An API Gateway WebSocket API on one local port: the WebSocket endpoint at `/<stage>`, the
 * @connections management API at `/<stage>/@connections/{id}`, and every other HTTP request handed to
 * a fallback (the local HTTP API and identity provider).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { fail } from '../../lambdas/core/result.ts';
import { describeError, silentLogger } from '../logger.ts';
import { createCallbackThrottle } from './callback-throttle.ts';
import { ConnectionRegistry, type GatewayConnection, newConnectionId } from './connection-registry.ts';
import {
  closeByGateway,
  gatewayCloses,
  openSession,
  runDisconnect,
  sendToClient,
} from './connection-session.ts';
import { type HandshakeVerdict, runHandshake } from './handshake.ts';
import { readHandshakeRequest } from './handshake-request.ts';
import { parseIdentitySources } from './identity-sources.ts';
import { type InProcessRequestHandler, inProcessConnectionsHandler } from './in-process-connections.ts';
import { handleManagementRequest } from './management-api.ts';
import {
  awsLimits,
  type GatewayIntegrations,
  type GatewaySettings,
  type HttpFallback,
  type WebSocketGatewayProps,
} from './options.ts';
import { createRouteSelector, type RouteSelector } from './route-selection.ts';
import type { GatewayRuntime } from './runtime.ts';

export interface ConnectionSnapshot {
  readonly connectionId: string;
  readonly state: GatewayConnection['state'];
  readonly connectedAt: number;
  readonly lastActiveAt: number;
  readonly authorizer: Readonly<Record<string, unknown>> | undefined;
}

export interface WebSocketGateway {
  readonly port: number;
  /** `http://host:port`: the HTTP API's base URL. */
  readonly httpUrl: string;
  /** `ws://host:port/<stage>`. */
  readonly webSocketUrl: string;
  /** `http://host:port/<stage>`: the management API endpoint (`CALLBACK_URL`). */
  readonly callbackUrl: string;
  /**
   * The management API for SDK clients in this process (the SDK's `requestHandler`): the same answers
   * as `callbackUrl`, without a loopback socket per call (in-process-connections.ts).
   */
  readonly connectionsTransport: InProcessRequestHandler;
  /** Supplies integrations and the HTTP fallback once they exist (they may need the port first). */
  configure(update: { readonly integrations?: GatewayIntegrations; readonly fallback?: HttpFallback }): void;
  /** Test hook: the connections the gateway knows, including those still in their handshake. */
  connections(): ConnectionSnapshot[];
  /**
   * Test hook: the connection vanishes — socket destroyed, registry entry removed, `$disconnect` never
   * run — as when API Gateway's best-effort `$disconnect` is lost. Returns false for unknown ids.
   */
  dropConnection(connectionId: string): boolean;
  /**
   * Refuses new handshakes (503), closes every connection (1001 "Going away", after `notice` if given)
   * and waits for each one's `$disconnect`, then for running invocations, and closes the port.
   *
   * Connections close in waves, oldest first, each wave as large as all the waves before it (1, 1, 2,
   * 4, …): the next wave starts when the previous one's `$disconnect`s have finished, so connections
   * still open hear the others leave (their rooms get `left`), and n connections take about log2(n)
   * rounds rather than n. A client that does not answer the close within 2 s is cut off.
   */
  stop(options?: GatewayStopOptions): Promise<void>;
}

export interface GatewayStopOptions {
  /**
   * Sent to every open connection just before the gateway closes it (e.g. Parley's
   * `closing SERVER_RESTART` frame), as the backend would post it.
   * @default nothing
   */
  readonly notice?: Uint8Array;
  /**
   * Awaited after each wave's `$disconnect`s, before the next wave closes: where what a `$disconnect`
   * publishes reaches the remaining connections asynchronously (Parley's fan-out queues), this lets it
   * arrive first.
   * @default nothing to wait for
   */
  readonly afterWave?: () => Promise<unknown>;
}

interface PendingHandshake {
  readonly connection: GatewayConnection;
  readonly domainName: string;
  subprotocol: string | undefined;
  upgraded: boolean;
}

export async function startWebSocketGateway(props: WebSocketGatewayProps = {}): Promise<WebSocketGateway> {
  const settings: GatewaySettings = {
    stage: props.stage ?? 'local',
    apiId: props.apiId ?? 'local',
    region: props.region ?? 'us-east-1',
    accountId: props.accountId ?? '000000000000',
    identitySources: props.identitySources ?? ['route.request.querystring.token'],
    routeSelectionExpression: props.routeSelectionExpression ?? '$request.body.action',
    stageVariables: props.stageVariables ?? {},
    limits: { ...awsLimits, ...props.limits },
    logger: props.logger ?? silentLogger,
  };
  const identitySources = parseIdentitySources(settings.identitySources);
  const registry = new ConnectionRegistry();
  const work = new Set<Promise<unknown>>();
  let integrations: GatewayIntegrations | undefined;
  let selectRoute: RouteSelector = createRouteSelector(settings.routeSelectionExpression, []);
  let fallback = props.fallback;
  let stopping = false;
  let stopped: Promise<void> | undefined;

  const runtime: GatewayRuntime = {
    settings,
    registry,
    callbackThrottle: createCallbackThrottle(settings.limits.callbackRate),
    identitySources,
    logger: settings.logger,
    get integrations() {
      return integrations;
    },
    get selectRoute() {
      return selectRoute;
    },
    track(promise) {
      const settled = promise.catch((error) =>
        settings.logger.error(`background work failed: ${describeError(error)}`),
      );
      work.add(settled);
      void settled.finally(() => work.delete(settled));
    },
  };

  const configure: WebSocketGateway['configure'] = (update) => {
    if (update.integrations) {
      integrations = update.integrations;
      selectRoute = createRouteSelector(
        settings.routeSelectionExpression,
        Object.keys(update.integrations.routes),
      );
    }
    if (update.fallback) fallback = update.fallback;
  };
  if (props.integrations) configure({ integrations: props.integrations });

  const pending = new WeakMap<IncomingMessage, PendingHandshake>();
  let port = 0;

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: settings.limits.maxMessageBytes,
    // The subprotocol is whatever `$connect` returned, added in 'headers'; ws must not pick one itself.
    handleProtocols: () => false,
    verifyClient: (info, accept) => {
      const request = readHandshakeRequest(info.req, port);
      const connection: GatewayConnection = {
        id: newConnectionId(),
        connectedAt: Date.now(),
        lastActiveAt: Date.now(),
        sourceIp: request.sourceIp,
        userAgent: request.userAgent,
        state: 'connecting',
        socket: undefined,
        authorizer: undefined,
        serverClose: undefined,
        suppressDisconnect: false,
      };
      registry.add(connection);
      const handshake: PendingHandshake = {
        connection,
        domainName: request.domainName,
        subprotocol: undefined,
        upgraded: false,
      };
      pending.set(info.req, handshake);
      const settle = runHandshake(runtime, connection, request)
        .catch((error): HandshakeVerdict => fail({ status: 500, body: '', reason: describeError(error) }))
        .then((verdict) => {
          if (!verdict.success || stopping) {
            registry.delete(connection.id);
            connection.state = 'closed';
            const refusal = verdict.success
              ? { status: 503, body: '', reason: 'the gateway is stopping' }
              : verdict.error;
            settings.logger.info(`$connect refused (${refusal.status}): ${refusal.reason}`);
            accept(false, refusal.status, refusal.body, { 'Content-Type': 'application/json' });
            // $connect already succeeded (and may have stored the connection): let $disconnect undo it.
            if (verdict.success) {
              runtime.track(runDisconnect(runtime, connection, request.domainName, 1001, 'Going away'));
            }
            return;
          }
          handshake.subprotocol = verdict.data.subprotocol;
          accept(true); // completes the upgrade synchronously, or drops it if the client already left
          if (!handshake.upgraded) {
            registry.delete(connection.id);
            connection.state = 'closed';
            runtime.track(
              runDisconnect(runtime, connection, request.domainName, 1006, 'Connection closed abnormally'),
            );
          }
        });
      runtime.track(settle);
    },
  });
  wss.on('headers', (headers, request) => {
    const subprotocol = pending.get(request)?.subprotocol;
    if (subprotocol) headers.push(`Sec-WebSocket-Protocol: ${subprotocol}`);
  });

  const server: Server = createServer((request, response) => {
    if (handleManagementRequest(runtime, request, response)) return;
    if (!fallback) {
      request.resume();
      response
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ message: 'Not Found' }));
      return;
    }
    Promise.resolve()
      .then(() => fallback?.(request, response))
      .catch((error) => {
        settings.logger.error(
          `HTTP ${request.method} ${request.url?.split('?')[0]} failed: ${describeError(error)}`,
        );
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: 'Internal Server Error' }));
      });
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '/').split('?')[0];
    if (stopping || (path !== `/${settings.stage}` && path !== `/${settings.stage}/`)) {
      const status = stopping ? '503 Service Unavailable' : '403 Forbidden';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (webSocket) => {
      const handshake = pending.get(request);
      if (!handshake) {
        webSocket.terminate();
        return;
      }
      handshake.upgraded = true;
      settings.logger.info(`connected ${handshake.connection.id}`);
      openSession(runtime, handshake.connection, webSocket, socket, handshake.domainName);
    });
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(props.port ?? 0, props.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  const host = props.host ?? '127.0.0.1';
  const httpUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    port,
    httpUrl,
    webSocketUrl: `${httpUrl.replace(/^http/, 'ws')}/${settings.stage}`,
    callbackUrl: `${httpUrl}/${settings.stage}`,
    connectionsTransport: inProcessConnectionsHandler(runtime),
    configure,
    connections: () =>
      registry.all().map((connection) => ({
        connectionId: connection.id,
        state: connection.state,
        connectedAt: connection.connectedAt,
        lastActiveAt: connection.lastActiveAt,
        authorizer: connection.authorizer,
      })),
    dropConnection(connectionId) {
      const connection = registry.get(connectionId);
      if (!connection) return false;
      connection.suppressDisconnect = true;
      connection.state = 'closed';
      registry.delete(connectionId);
      connection.socket?.terminate();
      return true;
    },
    stop(options = {}) {
      stopped ??= stopGateway(options);
      return stopped;
    },
  };

  async function stopGateway({ notice, afterWave }: GatewayStopOptions): Promise<void> {
    stopping = true;
    const open = registry.all().filter((connection) => connection.state === 'open');
    if (open.length > 0) settings.logger.info(`closing ${open.length} connection(s)`);
    const closeOne = async (connection: GatewayConnection) => {
      if (notice && connection.state === 'open')
        sendToClient(connection, notice, settings.limits.maxFrameBytes);
      const socketClosed = closed(connection);
      closeByGateway(connection, gatewayCloses.stopping);
      await socketClosed;
      await connection.disconnected;
    };
    for (let done = 0; done < open.length; ) {
      const wave = open.slice(done, done + Math.max(1, done));
      await Promise.all(wave.map(closeOne));
      done += wave.length;
      if (afterWave && done < open.length) await afterWave();
    }
    while (work.size > 0) await Promise.all([...work]);
    wss.close();
    server.closeAllConnections();
    await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  }
}

/** Resolves when the connection's socket has closed, terminating it if the client does not answer in 2 s. */
function closed(connection: GatewayConnection): Promise<void> {
  const socket = connection.socket;
  if (!socket || socket.readyState === socket.CLOSED) return Promise.resolve();
  return new Promise((resolveClosed) => {
    const timer = setTimeout(() => socket.terminate(), 2_000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolveClosed();
    });
  });
}
