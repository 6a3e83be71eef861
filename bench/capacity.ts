/**
 * DynamoDB capacity per Parley operation, measured on DynamoDB Local through the production store
 * adapters and core use cases (the code the Lambdas run). Prints one row per operation: requests,
 * read and write capacity units. DynamoDB Local applies the on-demand accounting rules (1 WCU per KB
 * written, per index too; 0.5 RCU per eventually consistent 4 KB read, 1 RCU strongly consistent).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoCallerGate } from '../lambdas/adapters/dynamo-caller-gate.ts';
import { DynamoConnectionSlots } from '../lambdas/adapters/dynamo-connection-slots.ts';
import { DynamoConnectionStore } from '../lambdas/adapters/dynamo-connection-store.ts';
import { DynamoCreationLimiter } from '../lambdas/adapters/dynamo-creation-limiter.ts';
import { DynamoMessageHistory } from '../lambdas/adapters/dynamo-message-history.ts';
import { DynamoRoomDirectory } from '../lambdas/adapters/dynamo-room-directory.ts';
import { DynamoRoomStore } from '../lambdas/adapters/dynamo-room-store.ts';
import { forEachConcurrently } from '../lambdas/core/concurrency.ts';
import type { ConnectDeps } from '../lambdas/core/connections.ts';
import { closeConnection, openConnection } from '../lambdas/core/connections.ts';
import type { Identity } from '../lambdas/core/identity.ts';
import { joinRoom, leaveRoom } from '../lambdas/core/membership.ts';
import { newEpoch } from '../lambdas/core/message-id.ts';
import { sendMessage } from '../lambdas/core/messages.ts';
import { unlimitedPostBudget } from '../lambdas/core/paced-posting.ts';
import type { ConnectionGateway } from '../lambdas/core/ports.ts';
import { type SequencerDeps, sequenceRoom } from '../lambdas/core/room-sequencer.ts';
import type { SessionDeps } from '../lambdas/core/session.ts';
import { deliverToShard } from '../lambdas/core/shard-delivery.ts';
import { sweepConnections } from '../lambdas/core/sweeper.ts';
import { defaults } from '../lambdas/defaults.ts';
import { localCredentials, startDynamoDbLocal } from '../local/dynamodb/dynamodb-local.ts';
import { ensureTable } from '../local/dynamodb/table.ts';
import { CapacityMeter, type CapacityReading } from './capacity-meter.ts';
import { type BenchEntry, figure } from './entry.ts';
import { CAPACITY_ROOM_SIZES, type CapacityOperation, capacityEntryName } from './figure-names.ts';

const TABLE = 'parley-bench';
const TTL = 3 * 3600;
const ROOM_SIZES = CAPACITY_ROOM_SIZES;

export const SECTION = '3a. DynamoDB request units per operation (DynamoDB Local, production adapters)';

export interface CapacityRow {
  readonly id: CapacityOperation;
  readonly operation: string;
  readonly reading: CapacityReading;
}

/** Delivers every post instantly: this benchmark is about the table, not the network. */
const gateway: ConnectionGateway = {
  post: async () => 'delivered',
  disconnect: async () => 'delivered',
  probe: async () => 'open',
};
const silent = { info() {}, warn() {}, error() {} };

const user = (index: number): Identity => ({
  userId: `user-${index}`,
  username: `user${index}`,
  groups: [],
  tokenExpiresAt: Math.floor(Date.now() / 1000) + 3600,
});

export async function measureCapacity(): Promise<CapacityRow[]> {
  const dynamo = await startDynamoDbLocal();
  try {
    const raw = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: localCredentials,
    });
    await ensureTable(raw, TABLE);
    const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
    const meter = new CapacityMeter();
    meter.attach(client);

    const connections = new DynamoConnectionStore(client, TABLE, TTL);
    const rooms = new DynamoRoomStore(client, TABLE, TTL);
    // The queues run their consumers inline: a send is measured with its sequencer's share (numbering,
    // storing, the member list); queue requests are not DynamoDB's and are not counted here.
    let queued = 0;
    const deps: SequencerDeps & ConnectDeps & SessionDeps = {
      publications: {
        publish: async (publications) => {
          for (const value of publications) {
            await sequenceRoom(
              deps,
              value.room,
              [{ id: `p-${++queued}`, receiveCount: 1, value }],
              `b-${queued}`,
            );
          }
        },
      },
      deliveries: {
        enqueue: async (deliveries) => {
          for (const value of deliveries)
            await deliverToShard(deps, [{ id: `d-${++queued}`, receiveCount: 1, value }]);
        },
      },
      budget: unlimitedPostBudget,
      fanout: {
        ...defaults.fanout,
        concurrency: defaults.fanout.postConcurrency,
        retryWindowMs: 20_000,
        firstBackoffMs: 100,
        maxBackoffMs: 5_000,
      },
      maxConnectionsPerUser: 5,
      connections,
      rooms,
      gateway,
      logger: silent,
      now: Date.now,
      newMessageId: () => `m-${Date.now()}`,
      newEpoch: () => newEpoch(),
      directory: new DynamoRoomDirectory(client, TABLE),
      creations: new DynamoCreationLimiter(client, TABLE, 0),
      rules: { ...defaults.rooms, occupancyIntervalMs: 3_000 },
      sleep: async () => undefined,
      history: new DynamoMessageHistory(client, TABLE, {
        retentionDays: 7,
        roomRate: defaults.history.roomRate,
      }),
      historyRules: {
        retentionMs: 7 * 86_400_000,
        maxReplay: 500,
        holeTimeoutMs: 60_000,
        deleteOwnWindowMs: 900_000,
      },
      closeAfterRefusals: 20,
      slots: new DynamoConnectionSlots(client, TABLE, TTL),
      probeMinAgeMs: 30_000,
      gate: new DynamoCallerGate(client, TABLE, { perSecond: 10, burst: 20 }),
    };
    const rows: CapacityRow[] = [];
    const row = async (id: CapacityOperation, operation: string, run: () => Promise<unknown>) =>
      rows.push({ id, operation, reading: await meter.measure(run) });

    await row('$connect (cap)', '$connect (cap 5: claim a slot, store the connection)', () =>
      openConnection(deps, 'c-0', user(0), 5),
    );
    await row('$connect (no cap)', '$connect (no cap)', () => openConnection(deps, 'c-1', user(1), 0));
    const caller = await connections.find('c-0');
    if (!caller) throw new Error('the connection was not stored');
    await row(
      'caller gate (every frame)',
      'caller gate, every frame (find the caller and spend a token: one UpdateItem)',
      () => deps.gate.admit('c-0', Date.now()),
    );
    await row(
      'caller gate (no rate limit)',
      'caller gate without a rate limit (strongly consistent GetItem)',
      () => new DynamoCallerGate(client, TABLE, undefined).admit('c-0', Date.now()),
    );
    await row('joinRoom (new room)', 'joinRoom of a new room (create it, then join)', () =>
      joinRoom(deps, caller, { room: 'bench-new' }),
    );
    // The room exists before the measured join: creating it is the other row's cost.
    await deps.directory.create({
      room: 'bench-0',
      title: 'bench-0',
      visibility: 'public',
      posting: 'everyone',
      owner: 'someone',
      epoch: newEpoch(),
      members: 0,
      createdAt: Date.now(),
    });
    await row('joinRoom', 'joinRoom of an existing room + joined to 1 member', () =>
      joinRoom(deps, caller, { room: 'bench-0' }),
    );

    for (const size of ROOM_SIZES) {
      const room = `bench-${size}`;
      const epoch = newEpoch();
      await deps.directory.create({
        room,
        title: room,
        visibility: 'public',
        posting: 'everyone',
        owner: 'someone',
        epoch,
        members: 0,
        createdAt: Date.now(),
      });
      // Seeding is not measured (the meter adds up only inside `row`), so it may run 16 at a time.
      const indexes = Array.from({ length: size }, (_, index) => index);
      await forEachConcurrently(indexes, 16, async (index) => {
        const connectionId = `r${size}-${index}`;
        await openConnection(deps, connectionId, user(1000 + index), 0);
        const member = await connections.find(connectionId);
        if (!member) return;
        // Filled through the store: joins through the use case would announce each arrival.
        await rooms.join(
          {
            room,
            connectionId,
            userId: member.userId,
            username: member.username,
            joinedAt: Date.now(),
            tokenExpiresAt: member.tokenExpiresAt,
          },
          { epoch, maxRoomsPerConnection: 0 },
        );
        await rooms.addPresence(room, member, connectionId, Date.now(), 0);
      });
      const sender = await connections.find(`r${size}-0`);
      if (!sender) throw new Error('the sender was not stored');
      await row(`sendMessage, room of ${size}`, `sendMessage to a room of ${size}`, () =>
        sendMessage(deps, sender, { action: 'sendMessage', room, content: 'hello, room' }, Date.now()),
      );
    }

    await row('leaveRoom', 'leaveRoom (transaction, presence) + left to the rest', () =>
      leaveRoom(deps, caller, { action: 'leaveRoom', room: 'bench-0' }),
    );
    await joinRoom(deps, caller, { room: 'bench-0' });
    await joinRoom(deps, caller, { room: 'bench-10' });
    await row(
      '$disconnect (2 rooms)',
      '$disconnect with 2 rooms (Query, batch delete, slot release, left notices)',
      () => closeConnection(deps, 'c-0'),
    );
    const reauthCaller = await connections.find('c-1');
    if (!reauthCaller) throw new Error('the connection was not stored');
    await row('reauth', 'reauth (conditional update of the caller read for the message)', async () => {
      await connections.updateIdentity(reauthCaller, {
        ...user(1),
        tokenExpiresAt: Math.floor(Date.now() / 1000) + 7200,
      });
    });
    await row(
      'sweep (nothing due)',
      `sweep with ${ROOM_SIZES.reduce((sum, size) => sum + size, 1)} stored connections, none due (8 shard queries)`,
      () => sweepConnections(deps, { reauthNoticeSeconds: 120, reauthGraceSeconds: 30 }),
    );
    return rows;
  } finally {
    await dynamo.stop();
  }
}

/**
 * One RRU and one WRU figure per operation, as AWS bills them: DynamoDB Local reports a transaction's
 * units once, AWS bills them twice, so units spent in transactions are counted twice here.
 */
export function capacityEntries(rows: readonly CapacityRow[]): BenchEntry[] {
  return rows.flatMap(({ id, operation, reading }) => {
    const transactional = reading.transactionalRead + reading.transactionalWrite;
    const note = `${operation}: ${reading.requests} requests${transactional > 0 ? `, ${transactional} units in transactions (billed twice)` : ''}`;
    return [
      figure(SECTION, capacityEntryName(id, 'RRU'), reading.read + reading.transactionalRead, 'RRU', {
        note,
      }),
      figure(SECTION, capacityEntryName(id, 'WRU'), reading.write + reading.transactionalWrite, 'WRU'),
    ];
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { formatTable } = await import('./table.ts');
  console.log(formatTable(capacityEntries(await measureCapacity())));
}
