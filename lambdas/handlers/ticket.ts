/**
 * POST /ticket: `Authorization: Bearer <token>` → `200 { ticket, expiresIn }`, a one-time ticket for
 * `?ticket=` on the WebSocket URL or `reauth { ticket }` on a live connection
 * (lambdas/core/connection-tickets.ts). In cookie mode the token may come from the HttpOnly token cookie
 * instead (a page in cookie-only mode has no other), and a foreign `Origin` gets 403. The token is
 * verified by the same verifier as the `$connect` authorizer, so a ticket is exactly as good as the
 * token it came from, and never outlives it. A missing or refused token gets `401 { message }` with
 * `WWW-Authenticate: Bearer`; a token that could not be checked (key set unreachable) gets 500. The log
 * names the failed check, never the token or the ticket.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { documentClient } from '../adapters/aws-clients.ts';
import { DynamoTicketStore } from '../adapters/dynamo-ticket-store.ts';
import { createJsonLogger } from '../adapters/json-logger.ts';
import { ticketKeyFromSecret } from '../adapters/ticket-key-secret.ts';
import { createTokenVerifier } from '../adapters/token-verifier.ts';
import {
  loadAuthConfig,
  loadOriginConfig,
  loadTicketConfig,
  loadTokenCookieConfig,
  type TokenCookieConfig,
} from '../config.ts';
import { issueConnectionTicket, type TicketKeySource } from '../core/connection-tickets.ts';
import { tokenCookieNameFor } from '../core/credential-names.ts';
import { describeFailure } from '../core/failure.ts';
import { anyOriginPolicy, checkOrigin, type OriginPolicy } from '../core/origin-policy.ts';
import type { Clock, Logger, TicketStore, TokenVerifier } from '../core/ports.ts';
import { defaults } from '../defaults.ts';
import { bearerToken, headerValue, jsonResponse, requestCookie } from './http-response.ts';

export interface TicketHandlerDeps {
  readonly verifier: TokenVerifier;
  readonly tickets: TicketStore;
  /**
   * Seals the tickets, so the authorizer can refuse forged ones without a table read. Asked for once a
   * token has passed: a key that cannot be read answers 500, a bad token still 401.
   */
  readonly ticketKey: TicketKeySource;
  /** Seconds a ticket stays redeemable (capped by the token's expiry). @default 30 */
  readonly ttlSeconds?: number;
  /** @default a JSON-lines logger on stdout */
  readonly logger?: Logger;
  /** Epoch milliseconds. @default Date.now */
  readonly now?: Clock;
  /** Cookie mode: the token cookie is accepted when no bearer token is sent. @default cookies off */
  readonly tokenCookie?: TokenCookieConfig;
  /** In cookie mode, a present `Origin` must be allowed (else 403). @default any origin */
  readonly origins?: OriginPolicy;
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

  const cookieMode = deps.tokenCookie?.enabled === true;
  const origins = deps.origins ?? anyOriginPolicy;
  const cookieName = tokenCookieNameFor(deps.tokenCookie?.domain);

  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const requestId = event.requestContext?.requestId;
    const origin = headerValue(event.headers, 'origin');
    if (cookieMode && origin && !checkOrigin({ ...origins, allowMissingOrigin: true }, [origin]).success) {
      logger.info('ticket refused', { reason: 'OriginNotAllowed', requestId });
      return jsonResponse(403, {
        message: `Origin ${JSON.stringify(origin.slice(0, 100))} may not call this API`,
      });
    }
    const token = bearerToken(event.headers) ?? (cookieMode ? requestCookie(event, cookieName) : undefined);
    if (token === undefined) return refuse(requestId, 'TokenMissing', false);
    const verified = await deps.verifier.verify(token);
    if (!verified.success) {
      return verified.error.fault === 'server'
        ? serverFault(requestId, { reason: verified.error.reason })
        : refuse(requestId, verified.error.reason, true);
    }
    let issued: Awaited<ReturnType<typeof issueConnectionTicket>>;
    try {
      issued = await issueConnectionTicket(
        { tickets: deps.tickets, ticketKey: await deps.ticketKey(), now },
        verified.data,
        ttlSeconds,
      );
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
 * Reads the issuer settings (as the authorizer does), TABLE_NAME, TICKET_KEY_SECRET_ARN,
 * TICKET_TTL_SECONDS, LOGIN_COOKIE, COOKIE_DOMAIN and ALLOWED_ORIGINS on the first invocation, and the
 * ticket key from Secrets Manager on the first ticket; the verifier, its JWKS cache and the key live as
 * long as the instance.
 */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  defaultHandler ??= buildDefaultHandler();
  return defaultHandler(event);
};

function buildDefaultHandler(): ReturnType<typeof createTicketHandler> {
  const { store, ttlSeconds } = loadTicketConfig(process.env, { tableRequired: true });
  const verifier = createTokenVerifier(loadAuthConfig().issuer);
  const tokenCookie = loadTokenCookieConfig();
  const origins = loadOriginConfig();
  return createTicketHandler({
    verifier,
    tickets: new DynamoTicketStore(documentClient(), store.tableName),
    ticketKey: ticketKeyFromSecret(store.keySecretId),
    ttlSeconds,
    tokenCookie,
    origins,
  });
}
