/**
 * `$connect`: the authorizer has already verified the token; this enforces the per-user connection cap
 * and records the connection under the identity the authorizer produced.
 *
 * It cannot greet the client: API Gateway answers 410 to posts made before this handler returns, so the
 * welcome frame is sent by the connection-events function once the stored connection reaches the table
 * stream.
 */
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { type ConnectDeps, openConnection } from '../core/connections.ts';
import { describeFailure } from '../core/failure.ts';
import { fromAuthorizerContext } from '../core/identity.ts';
import { chooseSubprotocol, PARLEY_SUBPROTOCOL } from '../core/subprotocol.ts';
import { connectDepsFromEnv, loggerFor } from './wiring.ts';

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
      const opened = await openConnection(deps, connectionId, identity, deps.maxConnectionsPerUser);
      if (!opened.success) {
        deps.logger.info('connection refused: per-user cap', {
          requestId,
          userId: identity.userId,
          cap: opened.error.cap,
        });
        return {
          statusCode: 429,
          body: JSON.stringify({
            message: `Too many connections for this user (limit ${opened.error.cap}); close one and retry`,
          }),
        };
      }
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

export const handler = createConnectHandler(connectDepsFromEnv(loggerFor('$connect')));
