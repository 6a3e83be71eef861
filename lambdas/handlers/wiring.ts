/**
 * Builds the production adapters from configuration. Handlers call these at module scope, so each Lambda
 * instance creates its clients once and warm invocations reuse them.
 */
import { documentClient, managementClient } from '../adapters/aws-clients.ts';
import { DynamoConnectionStore } from '../adapters/dynamo-connection-store.ts';
import { DynamoRoomStore } from '../adapters/dynamo-room-store.ts';
import { createJsonLogger } from '../adapters/json-logger.ts';
import { ManagementApiGateway } from '../adapters/management-api-gateway.ts';
import { loadGatewayConfig, loadStoreConfig } from '../config.ts';
import { newMessageId } from '../core/message-id.ts';
import type { ConnectionStore, Logger } from '../core/ports.ts';
import type { SessionDeps } from '../core/session.ts';

export function connectionStoreFromEnv(): ConnectionStore {
  const { tableName, connectionTtlSeconds } = loadStoreConfig();
  return new DynamoConnectionStore(documentClient(), tableName, connectionTtlSeconds);
}

/** Everything a handler that reads rooms and posts to connections needs. */
export function sessionDepsFromEnv(logger: Logger): SessionDeps {
  const { tableName, connectionTtlSeconds } = loadStoreConfig();
  const { callbackUrl } = loadGatewayConfig();
  const client = documentClient();
  return {
    connections: new DynamoConnectionStore(client, tableName, connectionTtlSeconds),
    rooms: new DynamoRoomStore(client, tableName, connectionTtlSeconds),
    gateway: new ManagementApiGateway(managementClient(callbackUrl)),
    logger,
    now: Date.now,
    newMessageId: () => newMessageId(),
  };
}

export function loggerFor(functionName: string): Logger {
  return createJsonLogger({ function: functionName });
}
