/**
 * State the gateway's parts share: settings, the connection registry, the current integrations and
 * the background work (route and `$disconnect` invocations) that `stop()` waits for.
 */
import type { LocalLogger } from '../logger.ts';
import type { CallbackThrottle } from './callback-throttle.ts';
import type { ConnectionRegistry } from './connection-registry.ts';
import type { IdentitySource } from './identity-sources.ts';
import type { GatewayIntegrations, GatewaySettings } from './options.ts';
import type { RouteSelector } from './route-selection.ts';

export interface GatewayRuntime {
  readonly settings: GatewaySettings;
  readonly registry: ConnectionRegistry;
  readonly identitySources: readonly IdentitySource[];
  readonly logger: LocalLogger;
  /** Undefined until configured; handshakes get 503 meanwhile. */
  readonly integrations: GatewayIntegrations | undefined;
  readonly selectRoute: RouteSelector;
  /** The @connections API's request quota. */
  readonly callbackThrottle: CallbackThrottle;
  /** Registers background work so `stop()` can wait for it. */
  track(work: Promise<unknown>): void;
}

/** JSON error bodies API Gateway sends on handshakes and as messages. */
export const gatewayMessages = {
  401: 'Unauthorized',
  403: 'Forbidden',
  500: 'Internal server error',
  502: 'Internal server error',
  503: 'Service Unavailable',
} as const;
