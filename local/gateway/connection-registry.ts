/**
 * The gateway's connections by id. A connection is registered when its handshake starts, so the
 * authorizer and `$connect` can see its id, but the @connections API treats it as gone (410) until the
 * handshake completes — as API Gateway does.
 */
import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';

export type ConnectionState = 'connecting' | 'open' | 'closing' | 'closed';

export interface GatewayConnection {
  /** Looks like API Gateway's: base64 of 10 random bytes, e.g. `L0SM9cOFvHcCIhw=`. */
  readonly id: string;
  /** Epoch milliseconds. */
  readonly connectedAt: number;
  lastActiveAt: number;
  readonly sourceIp: string;
  readonly userAgent: string | undefined;
  state: ConnectionState;
  socket: WebSocket | undefined;
  /** `requestContext.authorizer` for every route after `$connect`. */
  authorizer: Readonly<Record<string, unknown>> | undefined;
  /** Set when the gateway itself closes the connection, so `$disconnect` reports its code, not the peer's echo. */
  serverClose: { readonly code: number; readonly reason: string } | undefined;
  /** Dropped by a test hook: gone without `$disconnect`, like a connection whose `$disconnect` was lost. */
  suppressDisconnect: boolean;
  /** Settles when the `$disconnect` its close triggered has finished; set when the socket closes. */
  disconnected?: Promise<void>;
}

export function newConnectionId(): string {
  return randomBytes(10).toString('base64');
}

export class ConnectionRegistry {
  private readonly connections = new Map<string, GatewayConnection>();

  add(connection: GatewayConnection): void {
    this.connections.set(connection.id, connection);
  }

  get(id: string): GatewayConnection | undefined {
    return this.connections.get(id);
  }

  /** The connection only when the @connections API may reach it. */
  established(id: string): GatewayConnection | undefined {
    const connection = this.connections.get(id);
    return connection?.state === 'open' ? connection : undefined;
  }

  delete(id: string): boolean {
    return this.connections.delete(id);
  }

  all(): GatewayConnection[] {
    return [...this.connections.values()];
  }
}
