/**
 * The `reauth` route: a live connection presents a fresh token or a one-time ticket (see
 * lambdas/core/reauthentication.ts). Tickets need the key they are sealed with, read from Secrets
 * Manager on the first ticket and kept for the life of the instance; while it cannot be read, a ticket
 * is answered with INTERNAL_ERROR and a token still works.
 *
 * Reads the issuer settings (as the authorizer does), TABLE_NAME, CALLBACK_URL, the rate limit,
 * TICKET_KEY_SECRET_ARN and TICKET_TTL_SECONDS — see lambdas/config.ts.
 */
import { documentClient } from '../adapters/aws-clients.ts';
import { DynamoTicketStore } from '../adapters/dynamo-ticket-store.ts';
import { ticketKeyFromSecret } from '../adapters/ticket-key-secret.ts';
import { createTokenVerifier } from '../adapters/token-verifier.ts';
import { loadAuthConfig, loadTicketConfig } from '../config.ts';
import { createMessageRouteHandler } from './message-route.ts';
import { loggerFor, sessionDepsFromEnv } from './wiring.ts';

const sessionDeps = sessionDepsFromEnv(loggerFor('reauth'));
const { store } = loadTicketConfig(process.env, { tableRequired: true });
// More than SessionDeps: `tickets` travels through the session to reauthenticate() (its ReauthDeps).
const deps = {
  ...sessionDeps,
  verifier: createTokenVerifier(loadAuthConfig().issuer),
  tickets: {
    store: new DynamoTicketStore(documentClient(), store.tableName),
    key: ticketKeyFromSecret(store.keySecretId),
    now: sessionDeps.now,
  },
};

export const handler = createMessageRouteHandler(new Set(['reauth'] as const), deps);
