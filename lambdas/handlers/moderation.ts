/** The moderation routes: `invite`, `uninvite`, `kick`, `ban`, `unban`, `setRole` (lambdas/core/moderation.ts). */
import { createMessageRouteHandler } from './message-route.ts';
import { loggerFor, sessionDepsFromEnv } from './wiring.ts';

export const handler = createMessageRouteHandler(
  new Set(['invite', 'uninvite', 'kick', 'ban', 'unban', 'setRole'] as const),
  sessionDepsFromEnv(loggerFor('moderation')),
);
