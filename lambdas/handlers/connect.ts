/**
 * `$connect`: the authorizer has already verified the token; this records the connection under the
 * identity it produced. It cannot greet the client: API Gateway answers 410 to posts made before this
 * handler returns, so the welcome frame is sent by the connection-events function once the stored
 * connection reaches the table stream.
 */
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { openConnection } from '../core/connections.ts';
import { describeFailure } from '../core/failure.ts';
import { fromAuthorizerContext } from '../core/identity.ts';
import type { Clock, ConnectionStore, Logger } from '../core/ports.ts';
import { chooseSubprotocol, PARLEY_SUBPROTOCOL } from '../core/subprotocol.ts';
import { connectionStoreFromEnv, loggerFor } from './wiring.ts';

export interface ConnectDeps {
  readonly connections: ConnectionStore;
  readonly logger: Logger;
  readonly now: Clock;
}

export function createConnectHandler(deps: ConnectDeps) {
  return async (event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResultV2> => {
    const { connectionId, requestId } = event.requestContext;
    const subprotocol = chooseSubprotocol(
      (event as { headers?: Record<string, string | undefined> }).headers,
    );
    if (subprotocol.kind === 'unsupported') {
      deps.logger.info('connection refused: unsupported subprotocol', {
        requestId,
        offered: subprotocol.offered,
      });
      return { statusCode: 400, body: `Unsupported subprotocol; offer "${PARLEY_SUBPROTOCOL}"` };
    }
    const identity = fromAuthorizerContext((event.requestContext as { authorizer?: unknown }).authorizer);
    if (!identity) {
      // Only reachable if $connect was deployed without our authorizer: refuse rather than store a stranger.
      deps.logger.error('connection refused: no authorizer context', { requestId });
      return { statusCode: 500 };
    }
    try {
      await openConnection(deps, connectionId, identity);
    } catch (error) {
      deps.logger.error('connection refused: could not store it', {
        requestId,
        connectionId,
        ...describeFailure(error),
      });
      return { statusCode: 500 };
    }
    deps.logger.info('connected', { requestId, connectionId, userId: identity.userId });
    return subprotocol.kind === 'selected'
      ? { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': subprotocol.protocol } }
      : { statusCode: 200 };
  };
}

export const handler = createConnectHandler({
  connections: connectionStoreFromEnv(),
  logger: loggerFor('$connect'),
  now: Date.now,
});
