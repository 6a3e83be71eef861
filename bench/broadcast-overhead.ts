/**
 * Figure 1: what Parley's fan-out costs over the posts it has to make. The production fan-out —
 * `fanOutToMembers` (a room over the direct limit goes through the member shards, each delivered by
 * `deliverToShard` as the shard workers do, all shards at once as parallel queue consumers would),
 * with the `ManagementApiGateway` adapter, reading the members through the production `DynamoRoomStore`
 * (its own queries and page sizes) from an in-memory table — posts one frame to N members of a room,
 * against an @connections endpoint with a fixed latency per post. The baseline makes N bare SDK
 * `PostToConnectionCommand` calls against the same endpoint, at the concurrency the fan-out was seen to
 * use, so the figure stays honest whatever the fan-out code becomes. Rounds alternate; medians.
 * The @connections budget is left unlimited (its shared rate is a DynamoDB-backed limiter, not a cost
 * of the code path measured here).
 */
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoRoomStore } from '../lambdas/adapters/dynamo-room-store.ts';
import { ManagementApiGateway } from '../lambdas/adapters/management-api-gateway.ts';
import { keys } from '../lambdas/adapters/table-layout.ts';
import { encodeFrame, messageFrame } from '../lambdas/core/frames.ts';
import { MEMBER_SHARDS } from '../lambdas/core/member-shards.ts';
import { unlimitedPostBudget } from '../lambdas/core/paced-posting.ts';
import type { RoomSequence } from '../lambdas/core/ports.ts';
import { type FanoutDeps, fanOutToMembers } from '../lambdas/core/room-fanout.ts';
import { deliverToShard } from '../lambdas/core/shard-delivery.ts';
import { defaults } from '../lambdas/defaults.ts';
import { postToEveryConnection } from './baselines/bare-post-to-connection.ts';
import { startSimulatedConnectionsEndpoint } from './baselines/simulated-connections-endpoint.ts';
import { type BenchEntry, compared } from './entry.ts';
import { median } from './stats.ts';

export const SECTION = '1. Fan-out ÷ bare PostToConnection (simulated @connections latency)';

export interface BroadcastOverheadOptions {
  readonly members: number;
  readonly rounds: number;
  /** Milliseconds the simulated @connections endpoint takes to answer each post. */
  readonly latencyMs: number;
}

interface QueryInput {
  Limit?: number;
  ExclusiveStartKey?: { index: number };
  ExpressionAttributeValues?: Record<string, unknown>;
}

/**
 * A document client that answers the member Queries from memory: the whole member list, or one
 * shard's `sk BETWEEN :from AND :to`, page by page, honouring `Limit`.
 */
function inMemoryMemberTable(room: string, ids: readonly string[]): DynamoDBDocumentClient {
  const expires = Math.floor(Date.now() / 1000) + 3600;
  const items = ids
    .map((connectionId) => ({ ...keys.roomMember(room, connectionId), tokenExpiresAt: expires }))
    .sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));
  return {
    send: async (command: { input: QueryInput }) => {
      const values = command.input.ExpressionAttributeValues ?? {};
      const from = values[':from'] as string | undefined;
      const to = values[':to'] as string | undefined;
      const matching =
        from === undefined
          ? items
          : items.filter((item) => item.sk >= from && (to === undefined || item.sk <= to));
      const start = command.input.ExclusiveStartKey?.index ?? 0;
      const end = Math.min(matching.length, start + (command.input.Limit ?? matching.length));
      return {
        Items: matching.slice(start, end),
        ...(end < matching.length ? { LastEvaluatedKey: { index: end } } : {}),
      };
    },
  } as unknown as DynamoDBDocumentClient;
}

/** Collaborators the fan-out only reaches when a post finds a connection gone, which never happens here. */
const unreachable = <T extends object>(what: string): T =>
  new Proxy({} as T, {
    get: () => async () => {
      throw new Error(`the benchmark endpoint never answers 410, so ${what} is never used`);
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
    const frame = messageFrame(room, 'e1', {
      seq: 1,
      id: 'm-1',
      content: 'hello, room',
      userId: 'user-0',
      username: 'user0',
      time: Date.now(),
    });
    const data = encodeFrame(frame);
    let sequence: RoomSequence = { epoch: 'e1', seq: 1, seqAt: Date.now(), sharded: false };
    const deps: FanoutDeps = {
      rooms: new DynamoRoomStore(inMemoryMemberTable(room, ids), 'bench', 3600),
      gateway: new ManagementApiGateway(client),
      budget: unlimitedPostBudget,
      logger: { info() {}, warn() {}, error() {} },
      now: Date.now,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      history: {
        sequence: async () => sequence,
        markSharded: async () => {
          sequence = { ...sequence, sharded: true };
        },
      },
      // All shards at once, as the delivery queue's consumers take one shard each, in parallel.
      deliveries: {
        enqueue: async (deliveries) => {
          await Promise.all(
            deliveries.map((value, index) =>
              deliverToShard(deps, [{ id: `d-${index}`, receiveCount: 1, value }]),
            ),
          );
        },
      },
      fanout: {
        ...defaults.fanout,
        concurrency: defaults.fanout.postConcurrency,
        retryWindowMs: 20_000,
        firstBackoffMs: 100,
        maxBackoffMs: 5_000,
      },
      connections: unreachable('the connection store'),
      directory: unreachable('the room directory'),
      rules: { ...defaults.rooms, occupancyIntervalMs: defaults.rooms.occupancyIntervalSeconds * 1000 },
      publications: unreachable('the publication queue'),
    };
    const tally = () => ({
      lost: ids.filter((id) => !endpoint.received.has(id)).length,
      duplicated: [...endpoint.received.values()].reduce((sum, count) => sum + count - 1, 0),
    });

    let batch = 0;
    const production = async () => {
      endpoint.reset();
      const started = performance.now();
      await fanOutToMembers(
        deps,
        room,
        [{ data: new TextDecoder().decode(data) }],
        undefined,
        `b-${++batch}`,
      );
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
    const path = sequence.sharded ? `through ${MEMBER_SHARDS} member shards` : 'posted directly';
    return [
      compared(
        SECTION,
        `fan-out to ${options.members.toLocaleString('en-US')} members, median of ${options.rounds}`,
        median(productionMs),
        median(bareMs),
        'ms',
        {
          goal: { comparison: 'at-most', ratio: 1.2 },
          // One post per member and round: order across members is not defined, so none is out of order.
          deliveries: { lost, duplicated, outOfOrder: 0 },
          note: `${path}; ${options.latencyMs} ms per post; ${concurrency} posts in flight (baseline too)`,
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
