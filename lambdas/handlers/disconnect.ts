/**
 * `$disconnect`: removes the connection and its memberships and tells its rooms the user left.
 * API Gateway delivers this best-effort; broadcasts clean up connections whose $disconnect was lost.
 */
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { closeConnection } from '../core/connections.ts';
import { describeFailure } from '../core/failure.ts';
import type { SessionDeps } from '../core/session.ts';
import { loggerFor, sessionDepsFromEnv } from './wiring.ts';

export function createDisconnectHandler(deps: SessionDeps) {
  return async (event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResultV2> => {
    const { connectionId, requestId } = event.requestContext;
    try {
      await closeConnection(deps, connectionId);
      return { statusCode: 200 };
    } catch (error) {
      deps.logger.error('disconnect cleanup failed', { requestId, connectionId, ...describeFailure(error) });
      return { statusCode: 500 };
    }
  };
}

export const handler = createDisconnectHandler(sessionDepsFromEnv(loggerFor('$disconnect')));
