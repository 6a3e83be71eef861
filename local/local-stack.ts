/**
 * The whole product on one machine with no AWS account: DynamoDB Local with Parley's table, the local
 * identity provider, the API Gateway WebSocket emulator, the HTTP API, the table-stream poller and the
 * scheduled functions' timers, all running the very handler files the CDK stack deploys (from
 * lambdas/functions.ts).
 *
 * Each function runs in this process as one warm instance (see local/lambda/local-function.ts).
 * Handlers read their configuration when imported, so one process runs one stack: start it once
 * (per test file), stop it at the end.
 */
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { serveEndpointInProcess } from '../lambdas/adapters/aws-clients.ts';
import { DynamoConnectionStore } from '../lambdas/adapters/dynamo-connection-store.ts';
import { DynamoRoomStore } from '../lambdas/adapters/dynamo-room-store.ts';
import { installLoopbackJwksFetcher } from '../lambdas/adapters/token-verifier.ts';
import { loadOriginConfig, loadTokenCookieConfig } from '../lambdas/config.ts';
import { closeConnectionsOfUser, closingReasons } from '../lambdas/core/closing.ts';
import { closingFrame, encodeFrame } from '../lambdas/core/frames.ts';
import { defaults } from '../lambdas/defaults.ts';
import {
  type FunctionName,
  httpRoutes,
  iamHttpRoutes,
  type QueueConsumer,
  type QueueName,
  queueConsumers,
  routeSelectionExpression,
  scheduledFunctions,
  webSocketIdentitySources,
  webSocketRoutes,
} from '../lambdas/functions.ts';
import { closingDepsFromEnv, loggerFor } from '../lambdas/handlers/wiring.ts';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';
import {
  type DynamoDbLocal,
  localCredentials,
  startDynamoDbLocal,
  stopDynamoDbLocalOn,
} from './dynamodb/dynamodb-local.ts';
import { connectionInsertFilterPattern } from './dynamodb/stream-filter.ts';
import { type StreamPoller, startStreamPoller } from './dynamodb/stream-poller.ts';
import { ensureTable } from './dynamodb/table.ts';
import { applyEnvironment, handlerEnvironment } from './environment.ts';
import { LocalStackError } from './errors.ts';
import { startWebSocketGateway, type WebSocketGateway } from './gateway/web-socket-gateway.ts';
import { createHttpApi, notFound } from './http/http-api.ts';
import { createIdentityProvider } from './identity/identity-provider.ts';
import { LoopbackHttpFetcher } from './identity/loopback-jwks-fetcher.ts';
import { loadCatalogueHandler } from './lambda/load-functions.ts';
import { createLocalFunction, type LocalFunction } from './lambda/local-function.ts';
import { type Schedules, startSchedules } from './lambda/schedules.ts';
import type { LocalStack, LocalStackOptions } from './local-stack-options.ts';
import { createLocalLogger, describeError, type LocalLogger } from './logger.ts';
import { policyEnvironment } from './policies.ts';
import { createSecretsManagerEmulator } from './secrets/secrets-manager.ts';
import { createLocalQueues, type LocalQueues } from './sqs/local-queues.ts';
import { removeStaleConnections } from './stale-connections.ts';

export type { LocalStack, LocalStackOptions } from './local-stack-options.ts';

/**
 * HTTP routes whose AWS functions call Cognito; the local identity provider serves them instead, with
 * the same handlers and a local authenticator. Every other route runs its catalogue function.
 */
const identityProviderRoutes = new Set(['POST /login', 'POST /password', 'POST /refresh', 'POST /logout']);

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
  const started: Started = { restoreEnvironment: [] };
  const stop = () => stopStarted(started, logger);

  try {
    // Before anything touches the directory: a second stack on it is refused, naming the first.
    if (options.dataDir) {
      started.lock = await acquireDataDirLock(options.dataDir, { logger });
      await stopDynamoDbLocalOn(join(options.dataDir, 'dynamodb'), logger);
    }

    // Policies first: the identity provider reads the cookie settings when it is created.
    const policies = { ...policyEnvironment(options.policies), ...options.handlerEnvironment };
    started.restoreEnvironment.push(applyEnvironment(policies));

    const gateway = await startWebSocketGateway({
      port: options.port ?? 0,
      host: options.host ?? '127.0.0.1',
      stage: options.stage ?? 'local',
      region,
      logger,
      routeSelectionExpression,
      identitySources: options.gateway?.identitySources ?? webSocketIdentitySources,
      ...(options.gateway?.limits ? { limits: options.gateway.limits } : {}),
    });
    started.gateway = gateway;

    // LOGIN_COOKIE, COOKIE_DOMAIN, TOKENS_IN_BODY and ALLOWED_ORIGINS, read as the login function reads
    // them on AWS (they may throw: before DynamoDB Local starts).
    const tokenCookie = loadTokenCookieConfig();
    const origins = loadOriginConfig();
    // allSettled: if one fails, the other must still be recorded so stop() can undo it.
    const [dynamoStart, identityStart] = await Promise.allSettled([
      startDynamoDbLocal({
        logger,
        ...(options.dataDir ? { dataDir: join(options.dataDir, 'dynamodb') } : {}),
        onSpawn: (pid) => started.lock?.recordChild('DynamoDB Local (Java)', pid),
      }),
      // The issuer is this server's origin, so the authorizer fetches the JWKS from the same port.
      createIdentityProvider({
        issuerUrl: gateway.httpUrl,
        tokenCookie,
        origins,
        // As the logout function does on AWS; the table and @connections variables are set by then.
        closeConnectionsOf: (username) =>
          closeConnectionsOfUser(closingDepsFromEnv(loggerFor('logout')), username, closingReasons.loggedOut),
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
    if (!table.created) {
      // An earlier run's connections died with its sockets; remove them before anyone can connect.
      const documents = DynamoDBDocumentClient.from(dynamoClient);
      const store = new DynamoConnectionStore(documents, tableName, defaults.connectionTtlSeconds);
      const rooms = new DynamoRoomStore(documents, tableName, defaults.connectionTtlSeconds);
      const removed = await removeStaleConnections(store, rooms);
      if (removed > 0) logger.info(`removed ${removed} connection(s) left by an earlier run`);
    }

    // The fan-out's FIFO queues, each with its dead-letter queue, served on the gateway's port.
    const queues = createLocalQueues({ baseUrl: gateway.httpUrl, region, logger });
    started.queues = queues;
    const queueUrls = {} as Record<QueueName, string>;
    for (const consumer of Object.values(queueConsumers) as QueueConsumer[]) {
      const name = `${tableName}-${consumer.queue}`;
      queues.createQueue(`${name}-dead-letters.fifo`, { fifo: true, visibilityTimeoutSeconds: 30 });
      queueUrls[consumer.queue] = queues.createQueue(`${name}.fifo`, {
        fifo: true,
        visibilityTimeoutSeconds: consumer.visibilityTimeoutSeconds,
        maxReceiveCount: consumer.maxReceiveCount,
        deadLetterQueue: `${name}-dead-letters.fifo`,
        deduplicationScope: 'messageGroup',
      }).url;
    }

    // The ticket key, generated now and served as Secrets Manager would serve the stack's secret.
    const secrets = createSecretsManagerEmulator({ region, namePrefix: tableName });
    // The local issuer's JWKS is plain HTTP on this machine; only the local stack lets verifiers fetch it.
    installLoopbackJwksFetcher(new LoopbackHttpFetcher());
    started.restoreEnvironment.push(() => installLoopbackJwksFetcher(undefined));
    // The handlers' @connections client reaches the gateway in-process: same SDK, signing and answers,
    // no loopback socket per post (local/gateway/in-process-connections.ts).
    started.restoreEnvironment.push(
      serveEndpointInProcess(gateway.callbackUrl, gateway.connectionsTransport),
    );

    started.restoreEnvironment.push(
      applyEnvironment(
        handlerEnvironment({
          tableName,
          callbackUrl: gateway.callbackUrl,
          dynamoEndpoint: dynamo.endpoint,
          queueEndpoint: gateway.httpUrl,
          publicationQueueUrl: queueUrls.publications,
          deliveryQueueUrl: queueUrls.deliveries,
          region,
          authorizerEnv: { ...identity.authorizerEnv },
          secrets: { endpoint: gateway.httpUrl, ticketKeySecretArn: secrets.ticketKey.arn },
          extra: policies,
        }),
      ),
    );

    const timeoutMs = options.functionTimeoutMs ?? 29_000;
    const load = async (name: FunctionName): Promise<LocalFunction> => {
      if (!options.loadHandler) handlersImported = true;
      const consumer = queueConsumers[name];
      return createLocalFunction(name, await loadHandler(name), {
        timeoutMs: consumer ? consumer.timeoutSeconds * 1000 : timeoutMs,
        region,
      });
    };
    // WebSocket and scheduled functions are imported now, so a broken cold start fails `npm start`, not the first client.
    const scheduled = Object.keys(scheduledFunctions) as FunctionName[];
    const loaded = new Map<FunctionName, LocalFunction>();
    const consumers = Object.keys(queueConsumers) as FunctionName[];
    for (const name of [
      'authorizer',
      'connectionEvents',
      ...Object.values(webSocketRoutes),
      ...scheduled,
      ...consumers,
    ] as FunctionName[]) {
      if (!loaded.has(name)) loaded.set(name, await load(name));
    }
    const loadedFunction = (name: FunctionName) => loaded.get(name) as LocalFunction;

    // One instance per function, imported on its first request, whichever of its routes that comes by.
    const httpFunctions = new Map<FunctionName, Promise<LocalFunction>>();
    const httpFunction = (name: FunctionName) => {
      const fn = httpFunctions.get(name) ?? load(name);
      httpFunctions.set(name, fn);
      return fn;
    };
    const httpApi = createHttpApi(
      Object.fromEntries(
        Object.entries(httpRoutes)
          .filter(([routeKey]) => !identityProviderRoutes.has(routeKey))
          .map(([routeKey, name]) => [routeKey, () => httpFunction(name)]),
      ),
      { iamRoutes: iamHttpRoutes },
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

    for (const name of consumers) {
      const consumer = queueConsumers[name] as QueueConsumer;
      queues.attach(`${tableName}-${consumer.queue}.fifo`, loadedFunction(name), {
        batchSize: consumer.batchSize,
        ...(consumer.queue === 'deliveries' ? { maxConcurrency: defaults.fanout.deliveryConcurrency } : {}),
      });
    }

    gateway.configure({
      integrations: {
        authorizer: loadedFunction('authorizer'),
        routes: Object.fromEntries(
          Object.entries(webSocketRoutes).map(([routeKey, name]) => [routeKey, loadedFunction(name)]),
        ),
      },
      fallback: async (request, response) => {
        if (await queues.handle(request, response)) return;
        if (await secrets.handle(request, response)) return;
        if (await identity.handle(request, response)) return;
        if (await httpApi(request, response)) return;
        notFound(request, response);
      },
    });

    const schedules = startSchedules(
      scheduled.map((name) => ({
        target: loadedFunction(name),
        intervalMs:
          1000 * (options.scheduleIntervalSeconds?.[name] ?? scheduledFunctions[name]?.everySeconds ?? 60),
      })),
      { region, logger, rulePrefix: tableName },
    );
    started.schedules = schedules;

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
      scheduledRuns: (name) => schedules.runs(name),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface Started {
  lock?: DataDirLock;
  queues?: LocalQueues;
  schedules?: Schedules;
  gateway?: WebSocketGateway;
  dynamo?: DynamoDbLocal;
  clients?: { destroy(): void }[];
  poller?: StreamPoller;
  /** In the order applied; undone in reverse. */
  restoreEnvironment: (() => void)[];
}

/** How long a stop waits for the fan-out queues to empty before closing connections. */
const queueDrainMs = 10_000;

/**
 * Stops in dependency order: timers first (a sweep posts to connections and writes the table), then
 * connections get `closing SERVER_RESTART` and close (their `$disconnect` still needs the table), then
 * the poller, then DynamoDB Local, then the data directory's lock; the environment is restored last.
 * Idempotent.
 */
async function stopStarted(started: Started, logger: LocalLogger): Promise<void> {
  const attempt = async (what: string, step: () => unknown) => {
    try {
      await step();
    } catch (error) {
      logger.error(`stopping ${what}: ${describeError(error)}`);
    }
  };
  const { schedules, gateway, poller, clients, dynamo, lock, queues } = started;
  const restore = started.restoreEnvironment.splice(0).reverse();
  for (const key of Object.keys(started))
    if (key !== 'restoreEnvironment') delete started[key as keyof Started];
  if (schedules) await attempt('the schedules', () => schedules.stop());
  // What was published before the stop is delivered first (the queues live in this process only).
  if (queues && gateway) {
    await attempt('draining the fan-out queues', async () => {
      if (!(await queues.drain(queueDrainMs)))
        logger.warn('the fan-out queues did not drain in time; stopping anyway');
    });
  }
  if (gateway)
    await attempt('the gateway', () =>
      gateway.stop({
        notice: encodeFrame(closingFrame(closingReasons.serverRestart)),
        // Departures are fanned out through the queues: let each wave's `left` reach the rest first.
        ...(queues ? { afterWave: () => queues.drain(queueDrainMs) } : {}),
      }),
    );
  if (poller) await attempt('the stream poller', () => poller.stop());
  if (queues) await attempt('the fan-out queues', () => queues.stop());
  for (const client of clients ?? []) client.destroy();
  if (dynamo) await attempt('DynamoDB Local', () => dynamo.stop());
  // Only once Java has exited: the next stack may then open the files.
  if (lock) await attempt('the data directory lock', () => lock.release());
  for (const undo of restore) undo();
  running = false;
}
