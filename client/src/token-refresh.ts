/**
 * Keeps the connection's token fresh without reconnecting: a new token (`/refresh`, or `getToken`)
 * presented in-band with `reauth` on every live connection, ahead of expiry, at once on
 * `reauth_required` or a `TOKEN_EXPIRED` refusal. Expiry times are the server's, translated with the
 * clock skew measured at each welcome, so a wrong client clock cannot make it late.
 */
import type { ReauthenticatedFrame, WelcomeFrame } from '../../lambdas/core/wire.ts';
import type { Connection } from './connection.ts';
import type { Scheduler } from './environment.ts';
import { ClosedError, ConnectionLostError, isTerminal, NetworkError, ParleyError } from './errors.ts';
import type { TokenSource } from './http-api.ts';

export interface TokenRefreshHost {
  readonly scheduler: Scheduler;
  readonly refreshAheadMs: number;
  readonly tokens: TokenSource;
  /** The connections to present the fresh token on. */
  live(): Connection[];
  reauth(token: string, connection: Connection): Promise<ReauthenticatedFrame>;
  backoff(attempt: number): number;
  /** Stops the client on a failure no retry can fix (refused credentials, another user's token). */
  stop(error: ParleyError): void;
}

export class TokenRefresh {
  /** Server clock minus local clock, from the last welcome. */
  #skew = 0;
  #expiresAt = 0;
  #expiresIso = '';
  #failures = 0;
  #timer: unknown;
  #running?: Promise<void>;

  constructor(private readonly host: TokenRefreshHost) {}

  welcomed(frame: WelcomeFrame): void {
    const serverTime = Date.parse(frame.time);
    if (!Number.isNaN(serverTime)) this.#skew = serverTime - this.host.scheduler.now();
    this.expiry(frame.tokenExpiresAt);
  }

  /**
   * Schedules the refresh for a token expiring at `expiresAt` (server time): `refreshAheadMs` before,
   * but never before three quarters of its remaining life, so short-lived tokens do not refresh in a
   * loop. The same expiry again (a handover's welcome with the same token) keeps the schedule.
   */
  expiry(expiresAt: string): void {
    const at = Date.parse(expiresAt) - this.#skew;
    if (Number.isNaN(at) || expiresAt === this.#expiresIso) return;
    this.#expiresIso = expiresAt;
    this.#expiresAt = at;
    const remaining = at - this.host.scheduler.now();
    this.#arm(Math.max(0, remaining - Math.min(this.host.refreshAheadMs, remaining / 4)));
  }

  /** Refreshes now; one refresh at a time; never rejects. */
  refresh(): Promise<void> {
    this.#running ??= this.#reauthenticate().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Forgets the schedule (the client stopped). */
  reset(): void {
    this.host.scheduler.clearTimeout(this.#timer);
    this.#expiresIso = '';
    this.#failures = 0;
  }

  async #reauthenticate(): Promise<void> {
    this.host.scheduler.clearTimeout(this.#timer);
    const before = this.#expiresAt;
    try {
      const token = await this.host.tokens.token(true);
      // Between connections there is nothing to present it on: the next connection opens with it.
      for (const connection of this.host.live()) await this.host.reauth(token, connection);
      if (this.#expiresAt <= before && this.host.live().length > 0) {
        throw new NetworkError('the refreshed token expires no later than the old one');
      }
      this.#failures = 0;
    } catch (error) {
      if (error instanceof ParleyError && isTerminal(error)) return this.host.stop(error);
      // A lost connection: the reconnect brings a fresh token. Closed: nothing more to do.
      if (error instanceof ConnectionLostError || error instanceof ClosedError) return;
      this.#arm(this.host.backoff(this.#failures++));
    }
  }

  #arm(delay: number): void {
    this.host.scheduler.clearTimeout(this.#timer);
    this.#timer = this.host.scheduler.setTimeout(() => void this.refresh(), delay);
  }
}
