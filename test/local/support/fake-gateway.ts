/**
 * Starts the WebSocket gateway emulator with in-test fake functions (no DynamoDB), and the SDK
 * management client pointed at it the way the handlers build theirs.
 */
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { WebSocketGatewayProps } from '../../../local/gateway/options.ts';
import { startWebSocketGateway, type WebSocketGateway } from '../../../local/gateway/web-socket-gateway.ts';
import type { LocalFunction } from '../../../local/lambda/local-function.ts';
import { type RecordingFunction, recordingFunction } from './recording-function.ts';

export const goodToken = 'good-token';

/** Allows `?token=good-token` with a context holding a string, a number and a boolean; otherwise throws Unauthorized. */
export function allowGoodToken(): RecordingFunction {
  return recordingFunction('authorizer', (event) => {
    const query = event.queryStringParameters as Record<string, string> | undefined;
    if (query?.token !== goodToken) throw new Error('Unauthorized');
    return {
      principalId: 'user-1',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
      },
      context: { userId: 'user-1', username: 'alice', level: 3, admin: false },
    };
  });
}

export interface FakeGateway {
  readonly gateway: WebSocketGateway;
  /** The WebSocket URL with the good token. */
  readonly url: string;
  readonly management: ApiGatewayManagementApiClient;
  stop(): Promise<void>;
}

export async function startFakeGateway(
  routes: Record<string, LocalFunction>,
  authorizer: LocalFunction | undefined = allowGoodToken(),
  props: WebSocketGatewayProps = {},
): Promise<FakeGateway> {
  const gateway = await startWebSocketGateway({
    ...props,
    integrations: { ...(authorizer ? { authorizer } : {}), routes },
  });
  const management = new ApiGatewayManagementApiClient({
    endpoint: gateway.callbackUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return {
    gateway,
    url: `${gateway.webSocketUrl}?token=${goodToken}`,
    management,
    async stop() {
      management.destroy();
      await gateway.stop();
    },
  };
}
