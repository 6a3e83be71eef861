/** The history routes: `history` and `deleteMessage` (lambdas/core/history.ts, messages.ts). */
import { createMessageRouteHandler } from './message-route.ts';
import { loggerFor, sessionDepsFromEnv } from './wiring.ts';

export const handler = createMessageRouteHandler(
  new Set(['history', 'deleteMessage'] as const),
  sessionDepsFromEnv(loggerFor('history')),
);
