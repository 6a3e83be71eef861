/** The `presence` route: who is in a room (lambdas/core/presence-list.ts). */
import { createMessageRouteHandler } from './message-route.ts';
import { loggerFor, sessionDepsFromEnv } from './wiring.ts';

export const handler = createMessageRouteHandler(
  new Set(['presence'] as const),
  sessionDepsFromEnv(loggerFor('presence')),
);
