/**
 * Event factories: the exact shapes API Gateway sends to a WebSocket API's Lambda functions — the
 * REQUEST authorizer event, and the CONNECT, MESSAGE and DISCONNECT proxy events. Shapes follow the
 * AWS developer guide's samples and the aws-lambda-go fixtures (apigw-websocket-request-*.json).
 */
import { randomBytes } from 'node:crypto';
import type { GatewayConnection } from './connection-registry.ts';
import type { HandshakeRequest } from './handshake-request.ts';
import type { GatewaySettings } from './options.ts';

export type EventType = 'CONNECT' | 'MESSAGE' | 'DISCONNECT';

export interface WebSocketRequestContext {
  readonly routeKey: string;
  readonly eventType: EventType;
  readonly extendedRequestId: string;
  readonly requestTime: string;
  readonly messageDirection: 'IN';
  readonly stage: string;
  readonly connectedAt: number;
  readonly requestTimeEpoch: number;
  readonly identity: { readonly sourceIp: string; readonly userAgent?: string };
  readonly requestId: string;
  readonly domainName: string;
  readonly connectionId: string;
  readonly apiId: string;
  readonly messageId?: string;
  readonly authorizer?: Readonly<Record<string, unknown>>;
  readonly disconnectStatusCode?: number;
  readonly disconnectReason?: string;
}

export interface WebSocketAuthorizerEvent {
  readonly type: 'REQUEST';
  readonly methodArn: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly multiValueHeaders: Readonly<Record<string, readonly string[]>>;
  readonly queryStringParameters: Readonly<Record<string, string>>;
  readonly multiValueQueryStringParameters: Readonly<Record<string, readonly string[]>>;
  readonly stageVariables: Readonly<Record<string, string>>;
  readonly requestContext: WebSocketRequestContext;
}

export interface WebSocketProxyEvent {
  readonly requestContext: WebSocketRequestContext;
  readonly headers?: Readonly<Record<string, string>>;
  readonly multiValueHeaders?: Readonly<Record<string, readonly string[]>>;
  readonly queryStringParameters?: Readonly<Record<string, string>>;
  readonly multiValueQueryStringParameters?: Readonly<Record<string, readonly string[]>>;
  readonly stageVariables?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly isBase64Encoded: boolean;
}

/** `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/$connect`, the resource the policy must allow. */
export function connectMethodArn(settings: GatewaySettings): string {
  return `arn:aws:execute-api:${settings.region}:${settings.accountId}:${settings.apiId}/${settings.stage}/$connect`;
}

/** API Gateway ids are base64-ish; only their uniqueness matters to handlers. */
const newRequestId = () => randomBytes(12).toString('base64').replace(/[+/]/g, 'A').slice(0, 16);

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `09/Feb/2024:10:00:00 +0000`, the CLF time format of `requestTime`. */
export function formatRequestTime(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

function requestContext(
  settings: GatewaySettings,
  connection: GatewayConnection,
  domainName: string,
  routeKey: string,
  eventType: EventType,
): WebSocketRequestContext {
  const now = Date.now();
  const requestId = newRequestId();
  return {
    routeKey,
    eventType,
    extendedRequestId: requestId,
    requestTime: formatRequestTime(now),
    messageDirection: 'IN',
    stage: settings.stage,
    connectedAt: connection.connectedAt,
    requestTimeEpoch: now,
    identity: {
      sourceIp: connection.sourceIp,
      ...(connection.userAgent !== undefined ? { userAgent: connection.userAgent } : {}),
    },
    requestId,
    domainName,
    connectionId: connection.id,
    apiId: settings.apiId,
  };
}

export function authorizerEvent(
  settings: GatewaySettings,
  connection: GatewayConnection,
  request: HandshakeRequest,
): WebSocketAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: connectMethodArn(settings),
    headers: request.headers,
    multiValueHeaders: request.multiValueHeaders,
    queryStringParameters: request.queryStringParameters,
    multiValueQueryStringParameters: request.multiValueQueryStringParameters,
    stageVariables: settings.stageVariables,
    requestContext: requestContext(settings, connection, request.domainName, '$connect', 'CONNECT'),
  };
}

export function connectEvent(
  settings: GatewaySettings,
  connection: GatewayConnection,
  request: HandshakeRequest,
): WebSocketProxyEvent {
  const hasQuery = Object.keys(request.queryStringParameters).length > 0;
  const hasStageVariables = Object.keys(settings.stageVariables).length > 0;
  return {
    headers: request.headers,
    multiValueHeaders: request.multiValueHeaders,
    ...(hasQuery
      ? {
          queryStringParameters: request.queryStringParameters,
          multiValueQueryStringParameters: request.multiValueQueryStringParameters,
        }
      : {}),
    ...(hasStageVariables ? { stageVariables: settings.stageVariables } : {}),
    requestContext: withAuthorizer(
      requestContext(settings, connection, request.domainName, '$connect', 'CONNECT'),
      connection,
    ),
    isBase64Encoded: false,
  };
}

export function messageEvent(
  settings: GatewaySettings,
  connection: GatewayConnection,
  domainName: string,
  routeKey: string,
  body: string,
  isBase64Encoded: boolean,
): WebSocketProxyEvent {
  const context = requestContext(settings, connection, domainName, routeKey, 'MESSAGE');
  return {
    requestContext: withAuthorizer({ ...context, messageId: newRequestId() }, connection),
    body,
    isBase64Encoded,
    ...(Object.keys(settings.stageVariables).length > 0 ? { stageVariables: settings.stageVariables } : {}),
  };
}

export function disconnectEvent(
  settings: GatewaySettings,
  connection: GatewayConnection,
  domainName: string,
  statusCode: number,
  reason: string,
): WebSocketProxyEvent {
  const context = requestContext(settings, connection, domainName, '$disconnect', 'DISCONNECT');
  // The fixture's minimal headers: API Gateway has no client request to copy at disconnect time.
  const headers = { Host: domainName, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' };
  return {
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    requestContext: withAuthorizer(
      { ...context, disconnectStatusCode: statusCode, disconnectReason: reason },
      connection,
    ),
    isBase64Encoded: false,
    ...(Object.keys(settings.stageVariables).length > 0 ? { stageVariables: settings.stageVariables } : {}),
  };
}

function withAuthorizer(
  context: WebSocketRequestContext,
  connection: GatewayConnection,
): WebSocketRequestContext {
  return connection.authorizer ? { ...context, authorizer: connection.authorizer } : context;
}
