/**
 * The `reauth` route: a live connection presents a fresh token or a one-time ticket (see
 * lambdas/core/reauthentication.ts). Tickets need the key they are sealed with, read from Secrets
 * Manager on the first invocation and kept for the life of the instance; if it cannot be read, the
 * frame is answered with INTERNAL_ERROR and the next invocation tries again.
 *
 * Reads the issuer settings (as the authorizer does), TABLE_NAME, CALLBACK_URL, the rate limit,
 * TICKET_KEY_SECRET_ARN and TICKET_TTL_SECONDS — see lambdas/config.ts.
 */
import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { documentClient } from '../adapters/aws-clients.ts';
import { DynamoTicketStore } from '../adapters/dynamo-ticket-store.ts';
import { readTicketKey } from '../adapters/ticket-key-secret.ts';
import { createTokenVerifier } from '../adapters/token-verifier.ts';
import { loadAuthConfig, loadTicketConfig } from '../config.ts';
import type { TicketKey } from '../core/connection-tickets.ts';
import { ErrorCode } from '../core/error-codes.ts';
import { describeFailure } from '../core/failure.ts';
import { replyError } from '../core/session.ts';
import { createMessageRouteHandler, type WebSocketHandler } from './message-route.ts';
import { loggerFor, sessionDepsFromEnv } from './wiring.ts';

const accepts = new Set(['reauth'] as const);
const sessionDeps = sessionDepsFromEnv(loggerFor('reauth'));
const verifier = createTokenVerifier(loadAuthConfig().issuer);
const { store } = loadTicketConfig(process.env, { tableRequired: true });
const tickets = new DynamoTicketStore(documentClient(), store.tableName);

let route: Promise<WebSocketHandler> | undefined;

/** The route handler, once the ticket key is known. */
async function routeWithTicketKey(): Promise<WebSocketHandler> {
  const ticketKey: TicketKey = await readTicketKey(store.keySecretId);
  // More than SessionDeps: `tickets` travels through the session to reauthenticate() (its ReauthDeps).
  const deps = { ...sessionDeps, verifier, tickets: { tickets, ticketKey, now: sessionDeps.now } };
  return createMessageRouteHandler(accepts, deps);
}

export const handler: WebSocketHandler = async (event: APIGatewayProxyWebsocketEventV2) => {
  route ??= routeWithTicketKey();
  let ready: WebSocketHandler;
  try {
    ready = await route;
  } catch (error) {
    route = undefined;
    const { connectionId, requestId } = event.requestContext;
    sessionDeps.logger.error('the ticket key could not be read', { requestId, ...describeFailure(error) });
    await replyError(sessionDeps, connectionId, {
      code: ErrorCode.INTERNAL_ERROR,
      message: `the server failed to handle this request (request id ${requestId})`,
    }).catch(() => undefined);
    return { statusCode: 500 };
  }
  return ready(event);
};
