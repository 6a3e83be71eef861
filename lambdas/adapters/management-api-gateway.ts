/**
 * The @connections API behind the ConnectionGateway port.
 *
 * SDK v3 errors carry no `statusCode`, so a gone peer is recognised by class (or by name, for errors
 * that crossed a module boundary with another copy of the SDK) and turned into the value 'gone'. A post
 * still throttled after the SDK's own retries (429) is thrown as ConnectionThrottledError, one refused
 * for good (403, 413) as PostRejectedError; anything else is thrown as it came, for the caller to report.
 */
import {
  type ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { ConnectionThrottledError, PostRejectedError } from '../core/errors.ts';
import type { ConnectionGateway, PostOutcome } from '../core/ports.ts';

export function isGoneError(error: unknown): boolean {
  if (error instanceof GoneException) return true;
  const candidate = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  return candidate?.name === 'GoneException' || candidate?.$metadata?.httpStatusCode === 410;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The error a failed post is reported as: throttling and refusals for good get their own classes. */
export function classifyPostError(error: unknown): unknown {
  const name = (error as { name?: unknown } | null)?.name;
  const status = statusOf(error);
  if (name === 'LimitExceededException' || status === 429) {
    return new ConnectionThrottledError('@connections throttled the post (429)', { cause: error });
  }
  if (
    name === 'ForbiddenException' ||
    name === 'PayloadTooLargeException' ||
    status === 403 ||
    status === 413
  ) {
    return new PostRejectedError(`@connections refused the post (${String(name ?? status)})`, {
      cause: error,
    });
  }
  return error;
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
      throw classifyPostError(error);
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
