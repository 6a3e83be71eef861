/** The three workloads the README prices, by name: `npm run cost -- --workload community`. */
import type { Workload } from './model.ts';

export const namedWorkloads = {
  /** 20 people, online 8 hours a day on average (a third of the time), a few rooms. */
  'small-team': { connections: 7, rooms: 5, roomSize: 4, messagesPerMinute: 2 },
  /** 10,000 users online on average, 200 rooms of 50, a message a second in all. */
  community: { connections: 10_000, rooms: 200, roomSize: 50, messagesPerMinute: 60 },
  /** One room of 50,000 listeners and a host posting 6 messages a minute. */
  broadcast: { connections: 50_000, rooms: 1, roomSize: 50_000, messagesPerMinute: 6 },
} as const satisfies Record<string, Workload>;

export type WorkloadName = keyof typeof namedWorkloads;
