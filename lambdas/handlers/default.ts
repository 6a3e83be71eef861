/** The `$default` route. */
import { createMessageRouteHandler } from './message-route.ts';
import { loggerFor, sessionDepsFromEnv } from './wiring.ts';

export const handler = createMessageRouteHandler(
  new Set(['text', 'ping'] as const),
  sessionDepsFromEnv(loggerFor('$default')),
);
