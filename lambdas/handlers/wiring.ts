/**
 * Builds the production adapters from configuration. Handlers call these at module scope, so each Lambda
 * instance creates its clients once and warm invocations reuse them.
 */
import { documentClient, managementClient } from '../adapters/aws-clients.ts';
import { DynamoConnectionSlots } from '../adapters/dynamo-connection-slots.ts';
import { DynamoConnectionStore } from '../adapters/dynamo-connection-store.ts';
import { DynamoRateLimiter } from '../adapters/dynamo-rate-limiter.ts';
import { DynamoRoomStore } from '../adapters/dynamo-room-store.ts';
import { createJsonLogger } from '../adapters/json-logger.ts';
import { ManagementApiGateway } from '../adapters/management-api-gateway.ts';
import {
  loadConnectPolicyConfig,
  loadGatewayConfig,
  loadSessionPolicyConfig,
  loadStoreConfig,
} from '../config.ts';
import type { ClosingDeps } from '../core/closing.ts';
import type { ConnectDeps } from '../core/connections.ts';
import { newMessageId } from '../core/message-id.ts';
import type { Logger } from '../core/ports.ts';
import type { SessionDeps } from '../core/session.ts';

/** Everything a handler that reads rooms and posts to connections needs. */
export function sessionDepsFromEnv(logger: Logger): SessionDeps {
  const { tableName, connectionTtlSeconds } = loadStoreConfig();
  const { callbackUrl } = loadGatewayConfig();
  const { rateLimit } = loadSessionPolicyConfig();
  const client = documentClient();
  return {
    connections: new DynamoConnectionStore(client, tableName, connectionTtlSeconds),
    rooms: new DynamoRoomStore(client, tableName, connectionTtlSeconds),
    gateway: new ManagementApiGateway(managementClient(callbackUrl)),
    ...(rateLimit ? { rateLimiter: new DynamoRateLimiter(client, tableName, rateLimit) } : {}),
    logger,
    now: Date.now,
    newMessageId: () => newMessageId(),
  };
}

/** $connect: the session dependencies plus the per-user slots and cap. */
export function connectDepsFromEnv(logger: Logger): ConnectDeps {
  const { tableName, connectionTtlSeconds } = loadStoreConfig();
  const { maxConnectionsPerUser, probeMinAgeSeconds } = loadConnectPolicyConfig();
  return {
    ...sessionDepsFromEnv(logger),
    slots: new DynamoConnectionSlots(documentClient(), tableName, connectionTtlSeconds),
    maxConnectionsPerUser,
    probeMinAgeMs: probeMinAgeSeconds * 1000,
  };
}

/** What closing a user's connections needs (logout everywhere): the stores and @connections, nothing else. */
export function closingDepsFromEnv(logger: Logger): ClosingDeps {
  const { tableName, connectionTtlSeconds } = loadStoreConfig();
  const { callbackUrl } = loadGatewayConfig();
  const client = documentClient();
  return {
    connections: new DynamoConnectionStore(client, tableName, connectionTtlSeconds),
    rooms: new DynamoRoomStore(client, tableName, connectionTtlSeconds),
    gateway: new ManagementApiGateway(managementClient(callbackUrl)),
    logger,
    now: Date.now,
  };
}

export function loggerFor(functionName: string): Logger {
  return createJsonLogger({ function: functionName });
}
