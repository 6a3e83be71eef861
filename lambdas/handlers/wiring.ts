/**
 * Builds the production adapters from configuration. Handlers call these at module scope, so each Lambda
 * instance creates its clients once and warm invocations reuse them.
 */
import { documentClient, managementClient, queueClient } from '../adapters/aws-clients.ts';
import { DynamoCallerGate } from '../adapters/dynamo-caller-gate.ts';
import { DynamoConnectionSlots } from '../adapters/dynamo-connection-slots.ts';
import { DynamoConnectionStore } from '../adapters/dynamo-connection-store.ts';
import { DynamoCreationLimiter } from '../adapters/dynamo-creation-limiter.ts';
import { DynamoMessageHistory } from '../adapters/dynamo-message-history.ts';
import { DynamoPostBudget } from '../adapters/dynamo-post-budget.ts';
import { DynamoRoomDirectory } from '../adapters/dynamo-room-directory.ts';
import { DynamoRoomStore } from '../adapters/dynamo-room-store.ts';
import { createJsonLogger } from '../adapters/json-logger.ts';
import { ManagementApiGateway } from '../adapters/management-api-gateway.ts';
import { SqsDeliveryQueue } from '../adapters/sqs-delivery-queue.ts';
import { SqsPublicationQueue } from '../adapters/sqs-publication-queue.ts';
import {
  loadConnectPolicyConfig,
  loadFanoutConfig,
  loadGatewayConfig,
  loadHistoryConfig,
  loadPublicationConfig,
  loadRoomConfig,
  loadSessionPolicyConfig,
  loadStoreConfig,
} from '../config.ts';
import type { ClosingDeps } from '../core/closing.ts';
import type { ConnectDeps } from '../core/connections.ts';
import { newEpoch, newMessageId } from '../core/message-id.ts';
import { unlimitedPostBudget } from '../core/paced-posting.ts';
import type { Logger } from '../core/ports.ts';
import type { SequencerDeps } from '../core/room-sequencer.ts';
import type { SessionDeps } from '../core/session.ts';

/** Everything a handler that reads rooms and posts to connections needs. */
export function sessionDepsFromEnv(logger: Logger): SessionDeps {
  const { tableName, connectionTtlSeconds } = loadStoreConfig();
  const { callbackUrl } = loadGatewayConfig();
  const { rateLimit, closeAfterRefusals } = loadSessionPolicyConfig();
  const rooms = loadRoomConfig();
  const history = loadHistoryConfig();
  const client = documentClient();
  return {
    connections: new DynamoConnectionStore(client, tableName, connectionTtlSeconds),
    rooms: new DynamoRoomStore(client, tableName, connectionTtlSeconds),
    gateway: new ManagementApiGateway(managementClient(callbackUrl)),
    gate: new DynamoCallerGate(client, tableName, rateLimit),
    publications: new SqsPublicationQueue(queueClient(), loadPublicationConfig().publicationQueueUrl),
    closeAfterRefusals,
    directory: new DynamoRoomDirectory(client, tableName),
    creations: new DynamoCreationLimiter(client, tableName, rooms.createdPerUserPerHour),
    history: new DynamoMessageHistory(client, tableName, {
      retentionDays: history.retentionDays,
      roomRate: history.roomRate,
    }),
    historyRules: {
      retentionMs: history.retentionDays * 86_400_000,
      maxReplay: history.maxReplay,
      holeTimeoutMs: history.holeTimeoutSeconds * 1000,
      deleteOwnWindowMs: history.deleteOwnWindowSeconds * 1000,
    },
    rules: {
      maxRoomsPerConnection: rooms.maxRoomsPerConnection,
      maxMembersPerRoom: rooms.maxMembersPerRoom,
      announceJoinsUpTo: rooms.announceJoinsUpTo,
      occupancyIntervalMs: rooms.occupancyIntervalSeconds * 1000,
    },
    logger,
    now: Date.now,
    sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    newMessageId: () => newMessageId(),
    newEpoch: () => newEpoch(),
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

export { queueClient };

export function publicationQueueUrl(): string {
  return loadPublicationConfig().publicationQueueUrl;
}

export function deliveryQueueUrl(): string {
  return loadFanoutConfig().deliveryQueueUrl;
}

/** The sequencer and the shard workers: the session dependencies plus the delivery queue and the budget. */
export function fanoutDepsFromEnv(logger: Logger): SequencerDeps {
  const { tableName } = loadStoreConfig();
  const fanout = loadFanoutConfig();
  return {
    ...sessionDepsFromEnv(logger),
    deliveries: new SqsDeliveryQueue(queueClient(), fanout.deliveryQueueUrl),
    budget:
      fanout.postsPerSecond > 0
        ? new DynamoPostBudget(documentClient(), tableName, {
            postsPerSecond: fanout.postsPerSecond,
            burst: fanout.postsBurst,
          })
        : unlimitedPostBudget,
    fanout: {
      directLimit: fanout.directLimit,
      concurrency: fanout.postConcurrency,
      retryWindowMs: fanout.retryWindowSeconds * 1000,
      firstBackoffMs: 100,
      maxBackoffMs: 5_000,
    },
  };
}

/**
 * What closing a user's connections needs (logout everywhere): the stores, @connections, and the rooms'
 * publication queue to tell them who left.
 */
export function closingDepsFromEnv(logger: Logger): ClosingDeps {
  return sessionDepsFromEnv(logger);
}

export function loggerFor(functionName: string): Logger {
  return createJsonLogger({ function: functionName });
}
