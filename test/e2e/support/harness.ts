/**
 * One local stack per test file (handlers read their configuration at import), the clients a test
 * opened, and the cleanup between tests: every client closed and its rows gone, so tests never leak
 * into each other.
 */

import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../../local/local-stack.ts';
import { silentLogger } from '../../../local/logger.ts';
import {
  type ConnectOptions,
  type Handshake,
  openWebSocket,
  type TestClient,
} from '../../local/support/test-client.ts';
import { type LoginTokens, login } from './auth-api.ts';
import { eventTimeoutMs, eventually } from './eventually.ts';
import { type TableReader, tableReader } from './table-reader.ts';

export interface Welcome {
  readonly type: 'welcome';
  readonly connectionId: string;
  readonly userId: string;
  readonly username: string;
  readonly groups: string[];
  readonly tokenExpiresAt: string;
}

export interface Session {
  readonly client: TestClient;
  readonly welcome: Welcome;
}

export interface Harness {
  readonly stack: LocalStack;
  readonly table: TableReader;
  /** Opens a WebSocket to the stack's URL plus `suffix` (e.g. `?token=…`); an open client is closed after the test. */
  handshake(suffix: string, options?: ConnectOptions): Promise<Handshake>;
  /** Like `handshake`, but the handshake must succeed; resolves once the welcome frame has arrived. */
  connect(suffix: string, options?: ConnectOptions): Promise<Session>;
  /** Logs in as a demo user and connects with `?token=`. */
  connectAs(username: string): Promise<Session & { readonly tokens: LoginTokens }>;
  /** Closes every client and waits until the gateway and the table have forgotten them. */
  closeAll(): Promise<void>;
  stop(): Promise<void>;
}

export async function startHarness(options: LocalStackOptions = {}): Promise<Harness> {
  const stack = await startLocalStack({ port: 0, logger: silentLogger, ...options });
  const table = tableReader(stack);
  const open: TestClient[] = [];

  const handshake: Harness['handshake'] = async (suffix, connectOptions = {}) => {
    const result = await openWebSocket(`${stack.webSocketUrl}${suffix}`, {
      timeoutMs: eventTimeoutMs,
      ...connectOptions,
    });
    if (result.kind === 'open') open.push(result.client);
    return result;
  };

  const connect: Harness['connect'] = async (suffix, connectOptions) => {
    const result = await handshake(suffix, connectOptions);
    if (result.kind !== 'open') {
      throw new Error(
        result.kind === 'refused'
          ? `handshake refused with ${result.status}: ${result.body}`
          : `handshake failed: ${result.error.message}`,
      );
    }
    const welcome = await result.client.nextJson<Welcome>(
      (frame) => frame.type === 'welcome',
      eventTimeoutMs,
    );
    return { client: result.client, welcome };
  };

  return {
    stack,
    table,
    handshake,
    connect,
    async connectAs(username) {
      const tokens = await login(stack, username);
      return { ...(await connect(`?token=${tokens.token}`)), tokens };
    },
    async closeAll() {
      const closing = stack.gateway.connections().map((connection) => ({
        id: connection.connectionId,
        userId: String(connection.authorizer?.principalId ?? ''),
      }));
      for (const client of open.splice(0)) client.close();
      // $disconnect deletes the connection's rows, then frees its slot: wait for both.
      await eventually(async () => {
        if (stack.gateway.connections().length > 0) throw new Error('the gateway still has connections');
        for (const { id, userId } of closing) {
          const rows = await table.connectionRows(id);
          if (rows.length > 0) throw new Error(`connection ${id} still has ${rows.length} rows`);
          const slots = userId ? await table.slotsOf(userId) : [];
          if (slots.some((slot) => slot.connectionId === id))
            throw new Error(`connection ${id} still holds a slot`);
        }
      });
    },
    async stop() {
      table.destroy();
      await stack.stop();
    },
  };
}
