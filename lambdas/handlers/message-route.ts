/**
 * The shared shape of every message route ($default, joinRoom, leaveRoom, sendMessage, reauth …): hand
 * the frame to the session (lambdas/core/session.ts) with the time API Gateway received it, and map an
 * unexpected failure to an INTERNAL_ERROR frame in this one place.
 */
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { ErrorCode } from '../core/error-codes.ts';
import { describeFailure } from '../core/failure.ts';
import type { ClientAction } from '../core/protocol.ts';
import { handleInboundFrame, replyError, type SessionDeps } from '../core/session.ts';

export type WebSocketHandler = (event: APIGatewayProxyWebsocketEventV2) => Promise<APIGatewayProxyResultV2>;

const OK = { statusCode: 200 } as const;

export function createMessageRouteHandler(
  accepts: ReadonlySet<ClientAction | 'text'>,
  deps: SessionDeps,
): WebSocketHandler {
  return async (event) => {
    const { connectionId, requestId, routeKey, requestTimeEpoch } = event.requestContext;
    try {
      await handleInboundFrame(
        deps,
        // A frame that waited in a backlog is metered at its arrival, not at the moment it is handled.
        { connectionId, body: event.body, receivedAt: requestTimeEpoch ?? deps.now() },
        accepts,
      );
      return OK;
    } catch (error) {
      deps.logger.error('request failed', { routeKey, requestId, connectionId, ...describeFailure(error) });
      await replyError(deps, connectionId, {
        code: ErrorCode.INTERNAL_ERROR,
        message: `the server failed to handle this request (request id ${requestId})`,
      }).catch(() => undefined);
      return { statusCode: 500 };
    }
  };
}
