/**
 * `$connect` REQUEST authorizer. In order:
 *
 * 1. the `Origin` check (ALLOWED_ORIGINS, ALLOW_MISSING_ORIGIN): a refused origin gets an explicit Deny
 *    policy, which API Gateway answers with 403. It runs before any credential is touched, so a page on
 *    a foreign site cannot even burn a ticket;
 * 2. the credential, from the first source that has one (lambdas/core/credential-sources.ts: ticket,
 *    subprotocol, query token, cookie);
 * 3. a ticket is checked without I/O (shape, seal, expiry; lambdas/core/connection-tickets.ts) and only
 *    then redeemed (one conditional delete); a token is verified. Either gives the identity that goes to
 *    every later route as the authorizer context. A bad credential throws `Unauthorized`, which API
 *    Gateway answers with 401; a server fault (key set unreachable, table failure, misconfiguration)
 *    throws anything else, which API Gateway answers with 500, so clients can tell "log in again" from
 *    "try again later".
 *
 * Each refusal is logged as one JSON line carrying the reason's name, the credential's source and the
 * request id — never the token, the ticket, the event or its headers. Nothing is written on a refusal.
 */
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { documentClient } from '../adapters/aws-clients.ts';
import { DynamoTicketStore } from '../adapters/dynamo-ticket-store.ts';
import { createJsonLogger } from '../adapters/json-logger.ts';
import { ticketKeyFromSecret } from '../adapters/ticket-key-secret.ts';
import { createTokenVerifier, type TokenRejectionReason } from '../adapters/token-verifier.ts';
import { loadAuthorizerConfig } from '../config.ts';
import {
  isWellFormedTicket,
  redeemConnectionTicket,
  type TicketKeySource,
  type TicketRejection,
} from '../core/connection-tickets.ts';
import { tokenCookieNameFor } from '../core/credential-names.ts';
import {
  type ConnectRequest,
  type Credential,
  type CredentialExtractor,
  type CredentialSource,
  credentialExtractors,
  defaultCredentialExtractors,
  extractCredential,
  headerValues,
} from '../core/credential-sources.ts';
import { AuthorizationUnavailableError } from '../core/errors.ts';
import { type Identity, toAuthorizerContext } from '../core/identity.ts';
import {
  anyOriginPolicy,
  checkOrigin,
  type OriginPolicy,
  type OriginRejection,
} from '../core/origin-policy.ts';
import type { Clock, Logger, TicketStore, TokenVerifier } from '../core/ports.ts';
import type { Result } from '../core/result.ts';

/** What the authorizer reads from API Gateway's event; `APIGatewayRequestAuthorizerEvent` satisfies it. */
export interface AuthorizerRequest extends ConnectRequest {
  readonly methodArn: string;
  readonly requestContext?: { readonly requestId?: string } | null;
}

export interface AuthorizerDeps {
  readonly verifier: TokenVerifier;
  /**
   * Redeems `?ticket=`: the store that makes tickets single-use and the key that seals them (asked for
   * only when a ticket is presented). Without it tickets are disabled: a ticket is refused as
   * `TicketsDisabled`.
   * @default undefined (tickets disabled)
   */
  readonly tickets?: { readonly store: TicketStore; readonly key: TicketKeySource };
  /** Epoch milliseconds, for ticket expiry. @default Date.now */
  readonly now?: Clock;
  /** @default any origin, and handshakes without `Origin` allowed */
  readonly origins?: OriginPolicy;
  /** @default a JSON-lines logger on stdout */
  readonly logger?: Logger;
  /** @default `defaultCredentialExtractors` (ticket, subprotocol, query token, cookie) */
  readonly extractors?: readonly CredentialExtractor[];
}

/** Every reason a handshake is refused; the only thing about it that is logged. */
export type DenialReason =
  | TokenRejectionReason
  | TicketRejection
  | OriginRejection
  | 'TokenAmbiguous'
  | 'QueryTokenDisabled'
  | 'TicketsDisabled'
  | 'TicketKeyUnavailable'
  | 'TicketStoreFailed';

/** The one error API Gateway maps to 401; any other thrown error becomes a 500. */
const unauthorized = () => new Error('Unauthorized');

/** A 500: the message names the check that could not run, never the credential. */
const unavailable = (reason: string) =>
  new AuthorizationUnavailableError(`the credential could not be checked (${reason}); try again later`);

/** `reason` is a {@link DenialReason}, or whatever check name the injected verifier reports. */
type Verdict = Result<Identity, { readonly reason: string; readonly fault: 'client' | 'server' }>;

export function createAuthorizerHandler(deps: AuthorizerDeps) {
  const logger = deps.logger ?? createJsonLogger({ function: 'authorizer' });
  const extractors = deps.extractors ?? defaultCredentialExtractors;
  const origins = deps.origins ?? anyOriginPolicy;
  const now = deps.now ?? Date.now;

  const log = (
    event: AuthorizerRequest,
    reason: DenialReason | (string & {}),
    fault: 'client' | 'server',
    source?: CredentialSource,
  ) => {
    const fields = { reason, ...(source ? { source } : {}), requestId: event.requestContext?.requestId };
    if (fault === 'server') logger.error('connection denied', fields);
    else logger.info('connection denied', fields);
  };

  const identify = async (
    credential: Exclude<Credential, { kind: 'missing' | 'ambiguous' | 'disabled' }>,
  ): Promise<Verdict> => {
    if (credential.kind === 'token') return deps.verifier.verify(credential.token);
    if (!deps.tickets) return { success: false, error: { reason: 'TicketsDisabled', fault: 'client' } };
    // Not even the key for something that is not a ticket.
    if (!isWellFormedTicket(credential.ticket)) {
      return { success: false, error: { reason: 'TicketMalformed', fault: 'client' } };
    }
    const { store, key } = deps.tickets;
    let ticketKey: Awaited<ReturnType<TicketKeySource>>;
    try {
      ticketKey = await key();
    } catch {
      return { success: false, error: { reason: 'TicketKeyUnavailable', fault: 'server' } };
    }
    try {
      const redeemed = await redeemConnectionTicket({ tickets: store, ticketKey, now }, credential.ticket);
      return redeemed.success
        ? redeemed
        : { success: false, error: { reason: redeemed.error, fault: 'client' } };
    } catch {
      return { success: false, error: { reason: 'TicketStoreFailed', fault: 'server' } };
    }
  };

  return async (event: AuthorizerRequest): Promise<APIGatewayAuthorizerResult> => {
    const origin = checkOrigin(origins, headerValues(event, 'origin'));
    if (!origin.success) {
      log(event, origin.error, 'client');
      return policy('anonymous', 'Deny', event.methodArn);
    }
    const credential = extractCredential(event, extractors);
    if (credential.kind === 'missing') {
      log(event, 'TokenMissing', 'client');
      throw unauthorized();
    }
    if (credential.kind === 'ambiguous') {
      log(event, 'TokenAmbiguous', 'client', credential.source);
      throw unauthorized();
    }
    if (credential.kind === 'disabled') {
      log(event, 'QueryTokenDisabled', 'client', credential.source);
      throw unauthorized();
    }
    const verdict = await identify(credential);
    if (!verdict.success) {
      log(event, verdict.error.reason, verdict.error.fault, credential.source);
      throw verdict.error.fault === 'server' ? unavailable(verdict.error.reason) : unauthorized();
    }
    const identity = verdict.data;
    return {
      ...policy(identity.userId, 'Allow', event.methodArn),
      context: { ...toAuthorizerContext(identity) },
    };
  };
}

function policy(
  principalId: string,
  effect: 'Allow' | 'Deny',
  methodArn: string,
): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: methodArn }],
    },
  };
}

let defaultHandler: Promise<ReturnType<typeof createAuthorizerHandler>> | undefined;

/**
 * Built on the first invocation and kept for the life of the instance, so the verifier's JWKS cache
 * and the ticket key (read from Secrets Manager on the first ticket) are shared by warm invocations.
 * (Lazily, so importing this module in tests needs no environment.) A configuration error escapes as a
 * non-`Unauthorized` error: API Gateway answers 500, not 401, and the next invocation tries again. An
 * unreadable ticket key fails ticket handshakes with 500 and leaves token handshakes alone.
 *
 * Reads AUTH_MODE and the issuer settings (COGNITO_* or OIDC_*), ALLOWED_ORIGINS, ALLOW_MISSING_ORIGIN,
 * TABLE_NAME and TICKET_KEY_SECRET_ARN (tickets; disabled when TABLE_NAME is unset), ALLOW_QUERY_TOKEN,
 * LOGIN_COOKIE and COOKIE_DOMAIN (the cookie is read in cookie mode only) — see lambdas/config.ts.
 */
export const handler = async (event: AuthorizerRequest): Promise<APIGatewayAuthorizerResult> => {
  defaultHandler ??= buildDefaultHandler().catch((error: unknown) => {
    defaultHandler = undefined;
    throw error;
  });
  return (await defaultHandler)(event);
};

async function buildDefaultHandler(): Promise<ReturnType<typeof createAuthorizerHandler>> {
  const config = loadAuthorizerConfig();
  const verifier = createTokenVerifier(config.auth.issuer);
  const tickets = config.tickets && {
    store: new DynamoTicketStore(documentClient(), config.tickets.tableName),
    key: ticketKeyFromSecret(config.tickets.keySecretId),
  };
  const { allowQueryToken, cookie } = config.credentialSources;
  return createAuthorizerHandler({
    verifier,
    origins: config.origins,
    extractors: credentialExtractors({
      allowQueryToken,
      cookieName: cookie.enabled ? tokenCookieNameFor(cookie.domain) : undefined,
    }),
    ...(tickets ? { tickets } : {}),
  });
}
