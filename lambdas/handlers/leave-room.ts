/** The `leaveRoom` route. */
import { createMessageRouteHandler } from './message-route.ts';
import { loggerFor, sessionDepsFromEnv } from './wiring.ts';

export const handler = createMessageRouteHandler(
  new Set(['leaveRoom'] as const),
  sessionDepsFromEnv(loggerFor('leaveRoom')),
);
