/**
 * One SDK under test: a client wired to a FakeParley, a ManualScheduler and a FakePage, with every
 * client event recorded in order.
 */
import { afterEach, expect } from 'vitest';
import { ParleyClient, type ParleyClientOptions, type Room } from '../../../client/src/index.ts';
import type { MessageFrame } from '../../../lambdas/core/wire.ts';
import { FakePage, FakeParley } from './fake-parley.ts';
import { ManualScheduler, settle } from './manual-scheduler.ts';

export interface Harness {
  readonly client: ParleyClient;
  readonly server: FakeParley;
  readonly scheduler: ManualScheduler;
  readonly page: FakePage;
  /** Every client event, in order, as `[name, ...args]`. */
  readonly events: [string, ...unknown[]][];
  /** The states the client went through. */
  states(): string[];
}

const live: Harness[] = [];

afterEach(async () => {
  for (const harness of live.splice(0)) {
    await harness.client.close();
    expect(harness.server.violations).toEqual([]);
    // A closed client leaves nothing running (a CLI's process can exit).
    expect(harness.scheduler.pendingDelays()).toEqual([]);
  }
});

export function createHarness(options: Partial<ParleyClientOptions> = {}): Harness {
  const scheduler = new ManualScheduler();
  const server = new FakeParley(scheduler);
  const page = new FakePage();
  const client = new ParleyClient({
    httpUrl: 'https://api.parley.test',
    wsUrl: 'wss://ws.parley.test/prod',
    credentials: { username: 'alice', password: 'password1' },
    WebSocket: server.WebSocket,
    fetch: server.fetch,
    scheduler,
    random: () => 0.5,
    environment: page,
    ...options,
  });
  const events: Harness['events'] = [];
  for (const name of [
    'state',
    'welcome',
    'retry',
    'error',
    'closing',
    'reauthenticated',
    'reauthRequired',
    'invited',
    'notification',
  ] as const) {
    client.on(name, (...args: unknown[]) => events.push([name, ...args]));
  }
  const harness: Harness = {
    client,
    server,
    scheduler,
    page,
    events,
    states: () => events.filter(([name]) => name === 'state').map(([, state]) => state as string),
  };
  live.push(harness);
  return harness;
}

/** Connects and settles. */
export async function connected(options: Partial<ParleyClientOptions> = {}): Promise<Harness> {
  const harness = createHarness(options);
  const connecting = harness.client.connect();
  await settle();
  await connecting;
  return harness;
}

/** Joins `name` and records the room's messages. */
export async function joined(
  harness: Harness,
  name = 'general',
): Promise<{ room: Room; messages: MessageFrame[] }> {
  const joining = harness.client.join(name);
  await settle();
  const room = await joining;
  const messages: MessageFrame[] = [];
  room.on('message', (message) => messages.push(message));
  return { room, messages };
}

/** The contents of messages, for compact assertions. */
export const contents = (messages: readonly MessageFrame[]) => messages.map((message) => message.content);
