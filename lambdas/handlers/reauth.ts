/** The `reauth` route: a live connection presents a fresh token (see lambdas/core/reauthentication.ts). */
import { createTokenVerifier } from '../adapters/token-verifier.ts';
import { loadAuthConfig } from '../config.ts';
import { createMessageRouteHandler } from './message-route.ts';
import { loggerFor, sessionDepsFromEnv } from './wiring.ts';

export const handler = createMessageRouteHandler(new Set(['reauth'] as const), {
  ...sessionDepsFromEnv(loggerFor('reauth')),
  verifier: createTokenVerifier(loadAuthConfig().issuer),
});
