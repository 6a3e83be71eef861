/** The room administration routes: `createRoom`, `updateRoom`, `deleteRoom`, `listRooms` (lambdas/core/room-admin.ts). */
import { createMessageRouteHandler } from './message-route.ts';
import { loggerFor, sessionDepsFromEnv } from './wiring.ts';

export const handler = createMessageRouteHandler(
  new Set(['createRoom', 'updateRoom', 'deleteRoom', 'listRooms'] as const),
  sessionDepsFromEnv(loggerFor('rooms')),
);
