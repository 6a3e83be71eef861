/** The `joinRoom` route. */
import { createMessageRouteHandler } from './message-route.ts';
import { loggerFor, sessionDepsFromEnv } from './wiring.ts';

export const handler = createMessageRouteHandler(
  new Set(['joinRoom'] as const),
  sessionDepsFromEnv(loggerFor('joinRoom')),
);
