/**
 * The whole product on one machine with no AWS account: DynamoDB Local with Parley's table, the local
 * identity provider, the API Gateway WebSocket emulator, the HTTP API and the table-stream poller, all
 * running the very handler files the CDK stack deploys (from lambdas/functions.ts).
 *
 * Each function runs in this process as one warm instance (see local/lambda/local-function.ts).
 * Handlers read their configuration when imported, so one process runs one stack: start it once
 * (per test file), stop it at the end.
 */
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import {
  type FunctionName,
  httpRoutes,
  routeSelectionExpression,
  tokenQueryParameter,
  webSocketRoutes,
} from '../lambdas/functions.ts';
import { type DynamoDbLocal, localCredentials, startDynamoDbLocal } from './dynamodb/dynamodb-local.ts';
import { connectionInsertFilterPattern } from './dynamodb/stream-filter.ts';
import { type StreamPoller, startStreamPoller } from './dynamodb/stream-poller.ts';
import { ensureTable } from './dynamodb/table.ts';
import { applyEnvironment, handlerEnvironment } from './environment.ts';
import { LocalStackError } from './errors.ts';
import type { GatewayLimits } from './gateway/options.ts';
import { startWebSocketGateway, type WebSocketGateway } from './gateway/web-socket-gateway.ts';
import { createHttpApi, notFound } from './http/http-api.ts';
import { createIdentityProvider, type IdentityProvider } from './identity/identity-provider.ts';
import { type HandlerLoader, loadCatalogueHandler } from './lambda/load-functions.ts';
import { createLocalFunction, type LocalFunction } from './lambda/local-function.ts';
import { createLocalLogger, describeError, type LocalLogger } from './logger.ts';

export interface LocalStackOptions {
  /**
   * Port for everything: the HTTP API, the WebSocket endpoint and the @connections API. 0 picks a free one.
   * @default 0
   */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /**
   * Keeps the table (`<dataDir>/dynamodb`) and the identity provider's key and refresh tokens
   * (`<dataDir>/identity`) across restarts.
   * @default in memory
   */
  readonly dataDir?: string;
  /** @default 'parley-local' */
  readonly tableName?: string;
  /** @default 'local' */
  readonly stage?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  readonly identity?: {
    /** @default the identity provider's (3600) */
    readonly tokenTtlSeconds?: number;
    /** An RSA private key PEM to sign tokens with. */
    readonly signingKeyFile?: string;
    /** A users JSON file instead of the demo users. */
    readonly usersFile?: string;
    /** Epoch milliseconds for issued tokens (tests issue expired ones). @default Date.now */
    readonly now?: () => number;
  };
  readonly gateway?: {
    /** @default ['route.request.querystring.<tokenQueryParameter>'] */
    readonly identitySources?: readonly string[];
    /** @default AWS's limits */
    readonly limits?: Partial<GatewayLimits>;
  };
  /** Extra variables for the handlers, e.g. `{ MAX_CONNECTIONS_PER_USER: '3' }`. */
  readonly handlerEnvironment?: Readonly<Record<string, string>>;
  /** @default 29000 */
  readonly functionTimeoutMs?: number;
  /** @default 100 */
  readonly streamPollIntervalMs?: number;
  /** @default info lines on stderr */
  readonly logger?: LocalLogger;
  /** @default imports the catalogue's entry files */
  readonly loadHandler?: HandlerLoader;
}

export interface LocalStack {
  /** `http://127.0.0.1:<port>`: POST /login, POST /refresh, GET /.well-known/jwks.json. */
  readonly httpUrl: string;
  /** `ws://127.0.0.1:<port>/<stage>`; connect with `?token=<access token>`. */
  readonly webSocketUrl: string;
  /** The @connections endpoint the handlers use (`CALLBACK_URL`). */
  readonly callbackUrl: string;
  readonly port: number;
  readonly tableName: string;
  /** DynamoDB Local, e.g. for a test's own DynamoDBClient. */
  readonly dynamoEndpoint: string;
  readonly region: string;
  readonly identity: IdentityProvider;
  /** Test hooks of the WebSocket emulator. */
  readonly gateway: Pick<WebSocketGateway, 'connections' | 'dropConnection'>;
  /** Closes connections (running `$disconnect`), stops polling, kills DynamoDB Local, restores `process.env`. */
  stop(): Promise<void>;
}

/** HTTP routes the local identity provider serves in place of Cognito-backed functions. */
const identityProviderRoutes = new Set(['POST /login', 'POST /refresh']);

let running = false;
let handlersImported = false;

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const loadHandler = options.loadHandler ?? loadCatalogueHandler;
  if (running) throw new LocalStackError('a local stack is already running in this process; stop it first');
  if (handlersImported && !options.loadHandler) {
    throw new LocalStackError(
      'the handlers were imported by an earlier local stack in this process and keep its configuration; start one stack per process (per test file)',
    );
  }
  running = true;
  const logger = options.logger ?? createLocalLogger('info');
  const region = options.region ?? 'us-east-1';
  const tableName = options.tableName ?? 'parley-local';
  const started: Started = {};
  const stop = () => stopStarted(started, logger);

  try {
    const gateway = await startWebSocketGateway({
      port: options.port ?? 0,
      host: options.host ?? '127.0.0.1',
      stage: options.stage ?? 'local',
      region,
      logger,
      routeSelectionExpression,
      identitySources: options.gateway?.identitySources ?? [
        `route.request.querystring.${tokenQueryParameter}`,
      ],
      ...(options.gateway?.limits ? { limits: options.gateway.limits } : {}),
    });
    started.gateway = gateway;

    // allSettled: if one fails, the other must still be recorded so stop() can undo it.
    const [dynamoStart, identityStart] = await Promise.allSettled([
      startDynamoDbLocal({
        logger,
        ...(options.dataDir ? { dataDir: join(options.dataDir, 'dynamodb') } : {}),
      }),
      // The issuer is this server's origin, so the authorizer fetches the JWKS from the same port.
      createIdentityProvider({
        issuerUrl: gateway.httpUrl,
        ...(options.dataDir ? { dataDir: join(options.dataDir, 'identity') } : {}),
        ...options.identity,
      }),
    ]);
    if (dynamoStart.status === 'fulfilled') started.dynamo = dynamoStart.value;
    if (dynamoStart.status === 'rejected') throw dynamoStart.reason;
    if (identityStart.status === 'rejected') throw identityStart.reason;
    const dynamo = dynamoStart.value;
    const identity = identityStart.value;

    const dynamoClient = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region,
      credentials: localCredentials,
    });
    const streamsClient = new DynamoDBStreamsClient({
      endpoint: dynamo.endpoint,
      region,
      credentials: localCredentials,
    });
    started.clients = [dynamoClient, streamsClient];
    const table = await ensureTable(dynamoClient, tableName);
    logger.info(`table ${tableName} ${table.created ? 'created' : 'found'}`);

    started.restoreEnvironment = applyEnvironment(
      handlerEnvironment({
        tableName,
        callbackUrl: gateway.callbackUrl,
        dynamoEndpoint: dynamo.endpoint,
        region,
        authorizerEnv: { ...identity.authorizerEnv },
        ...(options.handlerEnvironment ? { extra: options.handlerEnvironment } : {}),
      }),
    );

    const timeoutMs = options.functionTimeoutMs ?? 29_000;
    const load = async (name: FunctionName): Promise<LocalFunction> => {
      if (!options.loadHandler) handlersImported = true;
      return createLocalFunction(name, await loadHandler(name), { timeoutMs, region });
    };
    // WebSocket functions are imported now, so a broken cold start fails `npm start`, not the first client.
    const loaded = new Map<FunctionName, LocalFunction>();
    for (const name of [
      'authorizer',
      'connectionEvents',
      ...Object.values(webSocketRoutes),
    ] as FunctionName[]) {
      if (!loaded.has(name)) loaded.set(name, await load(name));
    }
    const loadedFunction = (name: FunctionName) => loaded.get(name) as LocalFunction;

    const httpApi = createHttpApi(
      Object.fromEntries(
        Object.entries(httpRoutes)
          .filter(([routeKey]) => !identityProviderRoutes.has(routeKey))
          .map(([routeKey, name]) => {
            let fn: Promise<LocalFunction> | undefined;
            return [routeKey, () => (fn ??= load(name))];
          }),
      ),
    );

    started.poller = await startStreamPoller({
      client: streamsClient,
      streamArn: table.streamArn,
      target: loadedFunction('connectionEvents'),
      filter: connectionInsertFilterPattern,
      pollIntervalMs: options.streamPollIntervalMs ?? 100,
      region,
      logger,
    });

    gateway.configure({
      integrations: {
        authorizer: loadedFunction('authorizer'),
        routes: Object.fromEntries(
          Object.entries(webSocketRoutes).map(([routeKey, name]) => [routeKey, loadedFunction(name)]),
        ),
      },
      fallback: async (request, response) => {
        if (await identity.handle(request, response)) return;
        if (await httpApi(request, response)) return;
        notFound(request, response);
      },
    });

    return {
      httpUrl: gateway.httpUrl,
      webSocketUrl: gateway.webSocketUrl,
      callbackUrl: gateway.callbackUrl,
      port: gateway.port,
      tableName,
      dynamoEndpoint: dynamo.endpoint,
      region,
      identity,
      gateway: {
        connections: () => gateway.connections(),
        dropConnection: (id) => gateway.dropConnection(id),
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface Started {
  gateway?: WebSocketGateway;
  dynamo?: DynamoDbLocal;
  clients?: { destroy(): void }[];
  poller?: StreamPoller;
  restoreEnvironment?: () => void;
}

/**
 * Stops in dependency order: connections close first (their `$disconnect` still needs the table),
 * then the poller, then DynamoDB Local; the environment is restored last. Idempotent.
 */
async function stopStarted(started: Started, logger: LocalLogger): Promise<void> {
  const attempt = async (what: string, step: () => unknown) => {
    try {
      await step();
    } catch (error) {
      logger.error(`stopping ${what}: ${describeError(error)}`);
    }
  };
  const { gateway, poller, clients, dynamo, restoreEnvironment } = started;
  for (const key of Object.keys(started)) delete started[key as keyof Started];
  if (gateway) await attempt('the gateway', () => gateway.stop());
  if (poller) await attempt('the stream poller', () => poller.stop());
  for (const client of clients ?? []) client.destroy();
  if (dynamo) await attempt('DynamoDB Local', () => dynamo.stop());
  restoreEnvironment?.();
  running = false;
}
