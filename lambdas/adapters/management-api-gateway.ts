/**
 * The @connections API behind the ConnectionGateway port.
 *
 * SDK v3 errors carry no `statusCode`, so a gone peer is recognised by class (or by name, for errors
 * that crossed a module boundary with another copy of the SDK) and turned into the value 'gone'.
 * Anything else is thrown after the SDK's own retries, for the caller to report.
 */
import {
  type ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { ConnectionGateway, PostOutcome } from '../core/ports.ts';

export function isGoneError(error: unknown): boolean {
  if (error instanceof GoneException) return true;
  const candidate = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  return candidate?.name === 'GoneException' || candidate?.$metadata?.httpStatusCode === 410;
}

export class ManagementApiGateway implements ConnectionGateway {
  constructor(private readonly client: ApiGatewayManagementApiClient) {}

  async post(connectionId: string, data: Uint8Array | string): Promise<PostOutcome> {
    try {
      await this.client.send(
        new PostToConnectionCommand({
          ConnectionId: connectionId,
          Data: typeof data === 'string' ? Buffer.from(data, 'utf8') : data,
        }),
      );
      return 'delivered';
    } catch (error) {
      if (isGoneError(error)) return 'gone';
      throw error;
    }
  }

  async probe(connectionId: string): Promise<'open' | 'gone'> {
    try {
      await this.client.send(new GetConnectionCommand({ ConnectionId: connectionId }));
      return 'open';
    } catch (error) {
      if (isGoneError(error)) return 'gone';
      throw error;
    }
  }

  async disconnect(connectionId: string): Promise<PostOutcome> {
    try {
      await this.client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
      return 'delivered';
    } catch (error) {
      if (isGoneError(error)) return 'gone';
      throw error;
    }
  }
}
