/**
 * The monthly AWS bill of a Parley workload, line by line. Every per-operation count comes from the
 * measured profile (cost/measured-profile.ts, read from the benchmark's JSON report) or from the code's
 * own constants (frame builders, the sweeper's schedule); every price from cost/prices.ts; what neither
 * can know is an assumption with a stated default that a flag overrides.
 */
import type { MeasuredProfile, OperationWork, RequestUnits } from './measured-profile.ts';
import { interpolate } from './measured-profile.ts';
import { MESSAGE_METERING_BYTES, MESSAGE_TIER_BOUNDARY, type PriceTable } from './prices.ts';

/** AWS bills a month as 730 hours. */
export const MINUTES_PER_MONTH = 730 * 60;
const GB = 1024 ** 3;

export interface Workload {
  /** Connections open at any moment, on average over the month. */
  readonly connections: number;
  readonly rooms: number;
  /** Members of each room (connections in it), on average. */
  readonly roomSize: number;
  /** Messages sent per minute across the whole deployment; each goes to every member of its room. */
  readonly messagesPerMinute: number;
}

export interface Assumptions {
  /** Bytes of `content` in an average message. @default 200 */
  readonly messageBytes: number;
  /** How long a connection lasts before it closes and reconnects (API Gateway's limit is 120). @default 60 */
  readonly sessionMinutes: number;
  /** Bytes Lambda itself logs per invocation (START, END and REPORT lines). @default 300 */
  readonly platformLogBytesPerInvocation: number;
  /** Bytes of one API Gateway access-log line (one per WebSocket request). @default 350 */
  readonly accessLogBytesPerRequest: number;
  /** Months the log groups keep events (the stack's default retention is one month). @default 1 */
  readonly logRetentionMonths: number;
  /** Stored bytes of a connection with its slot and index entries. @default 1000 */
  readonly connectionBytes: number;
  /** Stored bytes of one membership (two items: room side and connection side). @default 600 */
  readonly membershipBytes: number;
  /** Milliseconds, per function, that replace the measured mean durations. @default none */
  readonly durationMs: Readonly<Record<string, number>>;
  /** Milliseconds of one sweeper run (not measured on the local stack). @default 200 */
  readonly sweeperDurationMs: number;
  /**
   * Whether each join and each departure is announced to the whole room (`joined`, `left`), as the code
   * does today; `false` prices a room without those notices.
   * @default true
   */
  readonly membershipNotices: boolean;
}

export const defaultAssumptions: Assumptions = {
  messageBytes: 200,
  sessionMinutes: 60,
  platformLogBytesPerInvocation: 300,
  accessLogBytesPerRequest: 350,
  logRetentionMonths: 1,
  connectionBytes: 1000,
  membershipBytes: 600,
  durationMs: {},
  sweeperDurationMs: 200,
  membershipNotices: true,
};

/** API Gateway stops waiting for an integration after 29 s; a longer fan-out is cut off. */
export const INTEGRATION_TIMEOUT_MS = 29_000;

/** What the code tells the model: frame sizes from the frame builders, the sweeper's schedule. */
export interface CodeFacts {
  /** Bytes of the frame a member receives for a message with `contentBytes` of content. */
  messageFrameBytes(contentBytes: number): number;
  /** Bytes of the `sendMessage` request a client sends. */
  sendRequestBytes(contentBytes: number): number;
  readonly sweeperEverySeconds: number;
  /** The per-user cap is on by default, so `$connect` claims a slot. */
  readonly connectionCapOn: boolean;
  /** Rooms with more users than this announce `occupancy` instead of each `joined` and `left`. */
  readonly announceJoinsUpTo: number;
  /** At most one `occupancy` frame per room per this many seconds (its claimant waits it out). */
  readonly occupancyIntervalSeconds: number;
  /** Rooms with more members than this fan out through the member shards (a second queue). */
  readonly fanoutDirectLimit: number;
  /** Member shards a large room's frames are queued for. */
  readonly memberShards: number;
}

export interface BillLine {
  readonly service: 'API Gateway' | 'Lambda' | 'DynamoDB' | 'CloudWatch Logs' | 'SQS';
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  /** Dollars per `per` units of `quantity`. */
  readonly price: number;
  readonly per: number;
  readonly usd: number;
}

export interface Bill {
  readonly lines: readonly BillLine[];
  readonly totalUsd: number;
  /** The counts behind the lines, for the notes under the bill. */
  readonly volumes: Readonly<Record<string, number>>;
  /** Where the model had to go past what the deployment can do. */
  readonly warnings: readonly string[];
}

const line = (
  service: BillLine['service'],
  item: string,
  quantity: number,
  unit: string,
  price: number,
  per: number,
): BillLine => ({ service, item, quantity, unit, price, per, usd: (quantity / per) * price });

/** 32 KB metering: a message of `bytes` counts as this many messages. */
export const meteredMessages = (bytes: number) => Math.max(1, Math.ceil(bytes / MESSAGE_METERING_BYTES));

/**
 * One operation's Lambda work at room size `roomSize`: per function, the invocations and the total
 * milliseconds per operation are interpolated (and extended past the largest room measured) and the
 * mean duration is their quotient. Extending the two factors separately would make the work grow with
 * the square of the room; the fan-out's total work grows with its members.
 */
export function workAt(
  points: readonly { readonly roomSize: number; readonly work: OperationWork }[],
  roomSize: number,
): OperationWork {
  const names = new Set(points.flatMap((point) => Object.keys(point.work)));
  return Object.fromEntries(
    [...names].map((name) => {
      const along = (value: (part: OperationWork[string]) => number) =>
        interpolate(
          points.map((point) => {
            const part = point.work[name];
            return [point.roomSize, part ? value(part) : 0] as const;
          }),
          roomSize,
        );
      const invocations = along((part) => part.invocations);
      const totalMs = along((part) => part.invocations * part.meanDurationMs);
      return [
        name,
        {
          invocations,
          meanDurationMs: invocations > 0 ? totalMs / invocations : 0,
          logBytes: along((part) => part.logBytes),
        },
      ];
    }),
  );
}

interface LambdaTotals {
  invocations: number;
  gbSeconds: number;
  logBytes: number;
}

/**
 * Pollers an SQS event source keeps on an idle queue, each long-polling (20 s, three receives a minute).
 * Lambda documents starting five; an assumption, and a small line either way.
 */
const SQS_IDLE_POLLERS_PER_QUEUE = 5;

export function estimateMonthlyBill(
  workload: Workload,
  assumptions: Assumptions,
  profile: MeasuredProfile,
  code: CodeFacts,
  prices: PriceTable,
): Bill {
  const { connections, rooms, roomSize, messagesPerMinute } = workload;
  const minutes = MINUTES_PER_MONTH;
  const sessions = (connections * minutes) / assumptions.sessionMinutes;
  const joinsPerSession = connections > 0 ? (rooms * roomSize) / connections : 0;
  const joins = sessions * joinsPerSession;
  const messages = messagesPerMinute * minutes;
  const sweeps = (minutes * 60) / code.sweeperEverySeconds;

  // API Gateway: every frame in or out is a message, metered per 32 KB.
  const framesPerMessage = interpolate(
    profile.messages.map((point) => [point.roomSize, point.frames] as const),
    roomSize,
  );
  // Presence: rooms up to the threshold announce each join and departure to everyone; larger rooms send
  // everyone one `occupancy` frame per interval at most, while the count changes.
  const announcesEach = roomSize <= code.announceJoinsUpTo;
  const changesPerRoom = rooms > 0 ? (2 * joins) / rooms : 0;
  const occupancyBroadcasts =
    !assumptions.membershipNotices || announcesEach
      ? 0
      : rooms * Math.min(changesPerRoom, (minutes * 60) / code.occupancyIntervalSeconds);
  const presenceFrames = !assumptions.membershipNotices
    ? joins // the joiner's own `joined` only
    : announcesEach
      ? 2 * joins * roomSize // `joined` and `left`, each to the whole room
      : joins + occupancyBroadcasts * roomSize;
  const apiMessages =
    messages * meteredMessages(code.sendRequestBytes(assumptions.messageBytes)) +
    messages * framesPerMessage * meteredMessages(code.messageFrameBytes(assumptions.messageBytes)) +
    sessions * 1 + // the welcome frame
    joins + // the joinRoom requests
    presenceFrames;
  const firstTier = Math.min(apiMessages, MESSAGE_TIER_BOUNDARY);
  const api = prices.apiGateway;

  // Lambda: invocations, GB-seconds and log bytes per operation.
  const lambda: LambdaTotals = { invocations: 0, gbSeconds: 0, logBytes: 0 };
  const memoryOf = (name: string) => profile.memoryMb[name] ?? 256;
  const add = (work: OperationWork, times: number) => {
    for (const [name, part] of Object.entries(work)) {
      const durationMs = assumptions.durationMs[name] ?? part.meanDurationMs;
      lambda.invocations += part.invocations * times;
      lambda.gbSeconds += part.invocations * times * (durationMs / 1000) * (memoryOf(name) / 1024);
      lambda.logBytes +=
        (part.logBytes + part.invocations * assumptions.platformLogBytesPerInvocation) * times;
    }
  };
  const messageWork = workAt(profile.messages, roomSize);
  add(messageWork, messages);
  add(profile.connection, sessions);
  add(profile.disconnection, sessions);
  // joinRoom was not timed on the local stack; like sendMessage it writes and broadcasts to the room.
  const sendDuration = assumptions.durationMs.sendMessage ?? messageWork.sendMessage?.meanDurationMs ?? 0;
  const warnings: string[] = [];
  if (sendDuration > INTEGRATION_TIMEOUT_MS)
    warnings.push(
      `a fan-out to ${roomSize.toLocaleString('en-US')} members extrapolates to ${Math.round(sendDuration / 1000)} s, past API Gateway's 29 s integration timeout: the direct fan-out cannot serve this room, and the duration lines price a run it would not finish`,
    );
  // Announcing costs a fan-out per join in small rooms; in large ones a fan-out per occupancy frame,
  // whose claimant first waits out the interval, billed time.
  add(
    {
      joinRoom: {
        invocations: 1,
        meanDurationMs: assumptions.membershipNotices && announcesEach ? sendDuration : 0,
        logBytes: 0,
      },
    },
    joins,
  );
  const occupancySeconds = code.occupancyIntervalSeconds + sendDuration / 1000;
  lambda.gbSeconds += occupancyBroadcasts * occupancySeconds * (memoryOf('joinRoom') / 1024);
  add({ sweeper: { invocations: 1, meanDurationMs: assumptions.sweeperDurationMs, logBytes: 0 } }, sweeps);

  // DynamoDB: measured request units per operation, on-demand.
  const units = profile.units;
  const sendUnits: RequestUnits = {
    read: interpolate(
      profile.messageUnits.map((p) => [p.roomSize, p.units.read] as const),
      roomSize,
    ),
    write: interpolate(
      profile.messageUnits.map((p) => [p.roomSize, p.units.write] as const),
      roomSize,
    ),
  };
  const gate = units['caller gate (every frame)'];
  const connect = code.connectionCapOn ? units['$connect (cap)'] : units['$connect (no cap)'];
  const disconnect = units['$disconnect (2 rooms)'];
  const sweep = units['sweep (nothing due)'];
  const reads =
    messages * (gate.read + sendUnits.read) +
    sessions * (connect.read + disconnect.read) +
    joins * (gate.read + units.joinRoom.read) +
    sweeps * sweep.read;
  const writes =
    messages * (gate.write + sendUnits.write) +
    sessions * (connect.write + disconnect.write) +
    joins * (gate.write + units.joinRoom.write) +
    sweeps * sweep.write;
  const storedGb =
    (connections * assumptions.connectionBytes + rooms * roomSize * assumptions.membershipBytes) / GB;

  // SQS (FIFO): every publication (a message, a join or departure notice, an occupancy frame) is sent
  // once and received and deleted once by the sequencer's event source; a room past the direct limit
  // also queues one delivery per member shard, sent in batches of 10 and received and deleted in
  // batches. The event sources' long polls of idle queues cost a few requests a minute per poller.
  const presencePublications = !assumptions.membershipNotices
    ? 0
    : announcesEach
      ? 2 * joins
      : occupancyBroadcasts;
  const publications = messages + presencePublications;
  const sharded = roomSize > code.fanoutDirectLimit;
  const deliveryBatches = sharded ? Math.ceil(code.memberShards / 10) : 0;
  const idlePolls = 2 * SQS_IDLE_POLLERS_PER_QUEUE * 3 * minutes;
  const sqsRequests = publications * (3 + 3 * deliveryBatches) + idlePolls;

  // CloudWatch Logs: the functions' lines and the stage's access log (one line per WebSocket request).
  const requests = messages + joins + sessions * 2;
  const ingestedGb = (lambda.logBytes + requests * assumptions.accessLogBytesPerRequest) / GB;

  const lines: BillLine[] = [
    line(
      'API Gateway',
      'connection minutes',
      connections * minutes,
      'connection-minutes',
      api.connectionMinutes.usd,
      1e6,
    ),
    line(
      'API Gateway',
      'messages (32 KB units), first 1 billion',
      firstTier,
      'messages',
      api.webSocketMessages.usd,
      1e6,
    ),
    ...(apiMessages > MESSAGE_TIER_BOUNDARY
      ? [
          line(
            'API Gateway',
            'messages (32 KB units), past 1 billion',
            apiMessages - MESSAGE_TIER_BOUNDARY,
            'messages',
            api.webSocketMessagesOverBillion.usd,
            1e6,
          ),
        ]
      : []),
    line('Lambda', 'requests', lambda.invocations, 'invocations', prices.lambda.requests.usd, 1e6),
    line('Lambda', 'duration (arm64)', lambda.gbSeconds, 'GB-seconds', prices.lambda.armGbSecond.usd, 1),
    line('DynamoDB', 'on-demand reads', reads, 'RRU', prices.dynamoDb.readRequestUnits.usd, 1e6),
    line('DynamoDB', 'on-demand writes', writes, 'WRU', prices.dynamoDb.writeRequestUnits.usd, 1e6),
    line('DynamoDB', 'storage', storedGb, 'GB-months', prices.dynamoDb.storage.usd, 1),
    line(
      'SQS',
      'FIFO requests (publications, shard deliveries, polls)',
      sqsRequests,
      'requests',
      prices.sqs.fifoRequests.usd,
      1e6,
    ),
    line('CloudWatch Logs', 'ingestion', ingestedGb, 'GB', prices.cloudWatch.logIngestion.usd, 1),
    line(
      'CloudWatch Logs',
      'storage',
      ingestedGb * assumptions.logRetentionMonths,
      'GB-months',
      prices.cloudWatch.logStorage.usd,
      1,
    ),
  ];
  return {
    lines,
    totalUsd: lines.reduce((sum, entry) => sum + entry.usd, 0),
    volumes: {
      sessions,
      joins,
      messages,
      sweeps,
      apiMessages,
      framesPerMessage,
      presenceFrames,
      occupancyBroadcasts,
    },
    warnings,
  };
}

/** Dollars per service, largest first, with each one's share of the total. */
export function shareByService(
  bill: Bill,
): { readonly service: string; readonly usd: number; readonly share: number }[] {
  const totals = new Map<string, number>();
  for (const entry of bill.lines) totals.set(entry.service, (totals.get(entry.service) ?? 0) + entry.usd);
  return [...totals]
    .map(([service, usd]) => ({ service, usd, share: bill.totalUsd > 0 ? usd / bill.totalUsd : 0 }))
    .sort((a, b) => b.usd - a.usd);
}
