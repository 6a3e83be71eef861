/**
 * POST /ticket: `Authorization: Bearer <token>` → `200 { ticket, expiresIn }`, a one-time ticket for
 * `?ticket=` on the WebSocket URL (lambdas/core/connection-tickets.ts). The token is verified by the
 * same verifier as the `$connect` authorizer, so a ticket is exactly as good as the token it came
 * from, and never outlives it. A missing or refused token gets `401 { message }` with
 * `WWW-Authenticate: Bearer`; the log names the failed check, never the token or the ticket.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { documentClient } from '../adapters/aws-clients.ts';
import { DynamoTicketStore } from '../adapters/dynamo-ticket-store.ts';
import { createJsonLogger } from '../adapters/json-logger.ts';
import { createTokenVerifier } from '../adapters/token-verifier.ts';
import { loadAuthConfig, loadTicketConfig } from '../config.ts';
import { issueConnectionTicket } from '../core/connection-tickets.ts';
import { describeFailure } from '../core/failure.ts';
import type { Clock, Logger, TicketStore, TokenVerifier } from '../core/ports.ts';
import { defaults } from '../defaults.ts';
import { bearerToken, jsonResponse } from './http-response.ts';

export interface TicketHandlerDeps {
  readonly verifier: TokenVerifier;
  readonly tickets: TicketStore;
  /** Seconds a ticket stays redeemable (capped by the token's expiry). @default 30 */
  readonly ttlSeconds?: number;
  /** @default a JSON-lines logger on stdout */
  readonly logger?: Logger;
  /** Epoch milliseconds. @default Date.now */
  readonly now?: Clock;
}

export function createTicketHandler(deps: TicketHandlerDeps) {
  const logger = deps.logger ?? createJsonLogger({ function: 'ticket' });
  const ttlSeconds = deps.ttlSeconds ?? defaults.ticketTtlSeconds;
  const now = deps.now ?? Date.now;

  const refuse = (requestId: string | undefined, reason: string, tokenPresent: boolean) => {
    logger.info('ticket refused', { reason, requestId });
    return jsonResponse(
      401,
      { message: tokenPresent ? 'Invalid or expired token' : 'Missing bearer token' },
      // RFC 6750 §3: the scheme to use, and whether the presented token was the problem.
      { 'www-authenticate': tokenPresent ? 'Bearer error="invalid_token"' : 'Bearer' },
    );
  };
  const serverFault = (requestId: string | undefined, fields: Record<string, unknown>) => {
    logger.error('ticket failed', { ...fields, requestId });
    return jsonResponse(500, { message: 'Ticket could not be issued; try again later' });
  };

  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const requestId = event.requestContext?.requestId;
    const token = bearerToken(event.headers);
    if (token === undefined) return refuse(requestId, 'TokenMissing', false);
    const verified = await deps.verifier.verify(token);
    if (!verified.success) {
      return verified.error.fault === 'server'
        ? serverFault(requestId, { reason: verified.error.reason })
        : refuse(requestId, verified.error.reason, true);
    }
    let issued: Awaited<ReturnType<typeof issueConnectionTicket>>;
    try {
      issued = await issueConnectionTicket({ tickets: deps.tickets, now }, verified.data, ttlSeconds);
    } catch (error) {
      return serverFault(requestId, describeFailure(error, { includeMessage: false }));
    }
    if (!issued.success) return refuse(requestId, issued.error, true);
    logger.info('ticket issued', {
      userId: verified.data.userId,
      expiresIn: issued.data.expiresIn,
      requestId,
    });
    return jsonResponse(200, { ticket: issued.data.ticket, expiresIn: issued.data.expiresIn });
  };
}

let defaultHandler: ReturnType<typeof createTicketHandler> | undefined;

/**
 * Reads the issuer settings (as the authorizer does), TABLE_NAME and TICKET_TTL_SECONDS on the first
 * invocation; the verifier and its JWKS cache live as long as the instance.
 */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  if (!defaultHandler) {
    const tickets = loadTicketConfig(process.env, { tableRequired: true });
    defaultHandler = createTicketHandler({
      verifier: createTokenVerifier(loadAuthConfig().issuer),
      tickets: new DynamoTicketStore(documentClient(), tickets.tableName ?? ''),
      ttlSeconds: tickets.ttlSeconds,
    });
  }
  return defaultHandler(event);
};
