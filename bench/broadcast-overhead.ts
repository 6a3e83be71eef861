/**
 * Figure 1: what Parley's broadcast costs over the posts it has to make. The production code path —
 * `broadcastToRoom` with the `ManagementApiGateway` adapter, reading the members through the production
 * `DynamoRoomStore` (its own page size) from an in-memory table — posts one frame to N members of a
 * room, against an @connections endpoint with a fixed latency per post. The baseline makes N bare SDK
 * `PostToConnectionCommand` calls against the same endpoint, at the concurrency the broadcast was seen
 * to use, so the figure stays honest whatever the fan-out code becomes. Rounds alternate; medians.
 */
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoRoomStore } from '../lambdas/adapters/dynamo-room-store.ts';
import { ManagementApiGateway } from '../lambdas/adapters/management-api-gateway.ts';
import { broadcastToRoom } from '../lambdas/core/broadcast.ts';
import { encodeFrame, messageFrame } from '../lambdas/core/frames.ts';
import type { ConnectionStore } from '../lambdas/core/ports.ts';
import { postToEveryConnection } from './baselines/bare-post-to-connection.ts';
import { startSimulatedConnectionsEndpoint } from './baselines/simulated-connections-endpoint.ts';
import { type BenchEntry, compared } from './entry.ts';
import { median } from './stats.ts';

export const SECTION = '1. Broadcast ÷ bare PostToConnection (simulated @connections latency)';

export interface BroadcastOverheadOptions {
  readonly members: number;
  readonly rounds: number;
  /** Milliseconds the simulated @connections endpoint takes to answer each post. */
  readonly latencyMs: number;
}

/** A document client that answers the member Query from memory, page by page, honouring `Limit`. */
function inMemoryMemberTable(room: string, ids: readonly string[]): DynamoDBDocumentClient {
  const expires = Math.floor(Date.now() / 1000) + 3600;
  const items = ids.map((connectionId, index) => ({
    room,
    connectionId,
    userId: `user-${index}`,
    username: `user${index}`,
    joinedAt: 0,
    tokenExpiresAt: expires,
  }));
  return {
    send: async (command: { input: { Limit?: number; ExclusiveStartKey?: { index: number } } }) => {
      const start = command.input.ExclusiveStartKey?.index ?? 0;
      const end = Math.min(items.length, start + (command.input.Limit ?? items.length));
      return {
        Items: items.slice(start, end),
        ...(end < items.length ? { LastEvaluatedKey: { index: end } } : {}),
      };
    },
  } as unknown as DynamoDBDocumentClient;
}

const noConnections: ConnectionStore = new Proxy({} as ConnectionStore, {
  get: () => async () => {
    throw new Error('the benchmark endpoint never answers 410, so nothing is removed');
  },
});

export async function measureBroadcastOverhead(options: BroadcastOverheadOptions): Promise<BenchEntry[]> {
  const endpoint = await startSimulatedConnectionsEndpoint(options.latencyMs);
  const client = new ApiGatewayManagementApiClient({
    endpoint: endpoint.callbackUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 3,
  });
  try {
    const room = 'bench';
    const ids = Array.from({ length: options.members }, (_, index) => `conn-${index}`);
    const frame = messageFrame(room, '', {
      seq: 1,
      id: 'm-1',
      content: 'hello, room',
      userId: 'user-0',
      username: 'user0',
      time: Date.now(),
    });
    const deps = {
      rooms: new DynamoRoomStore(inMemoryMemberTable(room, ids), 'bench', 3600),
      connections: noConnections,
      gateway: new ManagementApiGateway(client),
      logger: { info() {}, warn() {}, error() {} },
    };
    const data = encodeFrame(frame);
    const tally = () => ({
      lost: ids.filter((id) => !endpoint.received.has(id)).length,
      duplicated: [...endpoint.received.values()].reduce((sum, count) => sum + count - 1, 0),
    });

    const production = async () => {
      endpoint.reset();
      const started = performance.now();
      await broadcastToRoom(deps, room, frame);
      return { ms: performance.now() - started, ...tally(), concurrency: endpoint.peakInFlight };
    };
    const bare = async (concurrency: number) => {
      endpoint.reset();
      const started = performance.now();
      await postToEveryConnection(client, ids, data, concurrency);
      return { ms: performance.now() - started };
    };

    // Warm both paths (sockets, SDK lazy loading) before anything is timed.
    const warm = await production();
    await bare(warm.concurrency);
    const productionMs: number[] = [];
    const bareMs: number[] = [];
    let lost = 0;
    let duplicated = 0;
    let concurrency = warm.concurrency;
    for (let round = 0; round < options.rounds; round++) {
      const measured = await production();
      concurrency = measured.concurrency;
      lost += measured.lost;
      duplicated += measured.duplicated;
      productionMs.push(measured.ms);
      const baseline = await bare(concurrency);
      bareMs.push(baseline.ms);
    }
    return [
      compared(
        SECTION,
        `broadcast to ${options.members.toLocaleString('en-US')} members, median of ${options.rounds}`,
        median(productionMs),
        median(bareMs),
        'ms',
        {
          goal: { comparison: 'at-most', ratio: 1.2 },
          // One post per member and round: order across members is not defined, so none is out of order.
          deliveries: { lost, duplicated, outOfOrder: 0 },
          note: `${options.latencyMs} ms per post; ${concurrency} posts in flight (baseline too)`,
        },
      ),
    ];
  } finally {
    client.destroy();
    await endpoint.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { formatTable } = await import('./table.ts');
  console.log(formatTable(await measureBroadcastOverhead({ members: 1000, rounds: 5, latencyMs: 10 })));
}
