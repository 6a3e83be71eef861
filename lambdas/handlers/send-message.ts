/** The `sendMessage` route. */
import { createMessageRouteHandler } from './message-route.ts';
import { loggerFor, sessionDepsFromEnv } from './wiring.ts';

export const handler = createMessageRouteHandler(
  new Set(['sendMessage'] as const),
  sessionDepsFromEnv(loggerFor('sendMessage')),
);
