/**
 * The shared shape of every message route ($default, joinRoom, leaveRoom, sendMessage): parse the frame
 * (no I/O for bad input), look up the caller's stored connection, dispatch, and map failures to error
 * frames in this one place.
 */
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { ErrorCode } from '../core/error-codes.ts';
import { describeFailure } from '../core/failure.ts';
import { type ClientAction, parseClientFrame } from '../core/protocol.ts';
import { handleClientFrame, replyError, type SessionDeps } from '../core/session.ts';

export type WebSocketHandler = (event: APIGatewayProxyWebsocketEventV2) => Promise<APIGatewayProxyResultV2>;

const OK = { statusCode: 200 } as const;

export function createMessageRouteHandler(
  accepts: ReadonlySet<ClientAction | 'text'>,
  deps: SessionDeps,
): WebSocketHandler {
  return async (event) => {
    const { connectionId, requestId, routeKey } = event.requestContext;
    try {
      const frame = parseClientFrame(event.body);
      if (!frame.success) {
        await replyError(deps, connectionId, frame.error);
        return OK;
      }
      const caller = await deps.connections.find(connectionId);
      if (!caller) {
        // Its rows were removed (swept, or a 410 seen by another broadcast): make the client reconnect.
        await replyError(deps, connectionId, {
          code: ErrorCode.CONNECTION_UNKNOWN,
          message: 'this connection is no longer registered; reconnect',
        });
        await deps.gateway.disconnect(connectionId);
        return OK;
      }
      await handleClientFrame(deps, caller, frame.data, accepts);
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
