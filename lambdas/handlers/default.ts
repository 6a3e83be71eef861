/**
 * The `$default` route: plain text is echoed back attributed to its sender (the tutorial's echo
 * endpoint), `ping` gets `pong`, and any other frame that reaches it (an unknown action, malformed JSON)
 * gets a typed error frame.
 */
import { createMessageRouteHandler } from './message-route.ts';
import { loggerFor, sessionDepsFromEnv } from './wiring.ts';

export const handler = createMessageRouteHandler(
  new Set(['text', 'ping'] as const),
  sessionDepsFromEnv(loggerFor('$default')),
);
