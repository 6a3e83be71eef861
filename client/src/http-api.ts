/**
 * Parley's HTTP API as the SDK uses it: `/login`, `/refresh`, `/logout` and `/ticket`, and the token
 * sources built on them. Failures are classified once, here: 400/401/403 mean the credential is bad
 * ({@link AuthenticationError}, terminal); the network, 5xx and 429 are temporary
 * ({@link NetworkError}, with `Retry-After` when the server sent one: a 429 on `/login` is an account
 * lockout, and retrying before it ends only extends it).
 */
import type { FetchLike, Scheduler } from './environment.ts';
import { AuthenticationError, NetworkError } from './errors.ts';

type Json = Record<string, unknown>;

/** POSTs JSON and returns the JSON answer of a 200; throws a classified error otherwise. */
export async function postJson(
  fetch: FetchLike,
  url: string,
  body: Json | undefined,
  bearer?: string,
): Promise<Json> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const path = url.replace(/^.*?\/\/[^/]*/, '');
  let response: Awaited<ReturnType<FetchLike>>;
  try {
    response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body ?? {}) });
  } catch (cause) {
    throw new NetworkError(
      `POST ${path} failed: ${(cause as Error)?.message ?? cause}`,
      undefined,
      undefined,
      {
        cause,
      },
    );
  }
  const answer = ((await response.json().catch(() => undefined)) ?? {}) as Json;
  const { status } = response;
  if (status === 200) return answer;
  const message = `POST ${path} answered ${status}${typeof answer.message === 'string' ? `: ${answer.message}` : ''}`;
  if (status === 400 || status === 401 || status === 403) throw new AuthenticationError(message, status);
  throw new NetworkError(message, status, retryAfterMs(response.headers.get('retry-after')));
}

/** `Retry-After` is seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const tokenOf = (answer: Json, what: string): string => {
  if (typeof answer.token !== 'string' || !answer.token) throw new NetworkError(`${what} answered no token`);
  return answer.token;
};

/** Where the SDK gets tokens from. */
export interface TokenSource {
  /** A token to connect or reauthenticate with; `fresh` refuses the one already held. */
  token(fresh: boolean): Promise<string>;
  /** Revokes what it holds, where it can. */
  logout(): Promise<void>;
}

/**
 * Logs in with the username and password it holds, refreshes with the refresh token, and logs in
 * again when the refresh token is refused (expired, revoked): the password is kept for exactly that.
 */
export class PasswordTokens implements TokenSource {
  #token?: string;
  #refreshToken?: string;
  #expiresAt = 0;

  constructor(
    private readonly fetch: FetchLike,
    private readonly httpUrl: string,
    private readonly credentials: { readonly username: string; readonly password: string },
    private readonly scheduler: Scheduler,
  ) {}

  async token(fresh: boolean): Promise<string> {
    // A token with less than a minute left is not worth connecting with.
    if (!fresh && this.#token && this.#expiresAt - this.scheduler.now() > 60_000) return this.#token;
    if (this.#refreshToken) {
      try {
        return this.#keep(
          await postJson(this.fetch, `${this.httpUrl}/refresh`, { refreshToken: this.#refreshToken }),
          '/refresh',
        );
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        this.#refreshToken = undefined;
      }
    }
    const { username, password } = this.credentials;
    return this.#keep(await postJson(this.fetch, `${this.httpUrl}/login`, { username, password }), '/login');
  }

  async logout(): Promise<void> {
    const refreshToken = this.#refreshToken;
    this.#token = this.#refreshToken = undefined;
    if (refreshToken) await postJson(this.fetch, `${this.httpUrl}/logout`, { refreshToken });
  }

  #keep(answer: Json, what: string): string {
    this.#token = tokenOf(answer, what);
    // Cognito's refresh answers no new refresh token: the old one stays valid.
    if (typeof answer.refreshToken === 'string') this.#refreshToken = answer.refreshToken;
    this.#expiresAt =
      this.scheduler.now() + (typeof answer.expiresIn === 'number' ? answer.expiresIn * 1000 : 0);
    return this.#token;
  }
}

/**
 * The application's `getToken`, called whenever a token is needed (each connection and each refresh),
 * so the application decides how to cache. It throws {@link AuthenticationError} to stop the client;
 * any other error is temporary.
 */
export class CallbackTokens implements TokenSource {
  constructor(private readonly getToken: () => Promise<string>) {}

  async token(): Promise<string> {
    const token = await this.getToken();
    if (typeof token !== 'string' || !token) throw new AuthenticationError('getToken returned no token');
    return token;
  }

  async logout(): Promise<void> {}
}

/**
 * A one-time ticket for `?ticket=`: the long-lived token never goes in a URL. A 401 here means the
 * token was refused, which a fresh token may cure, so it is a {@link NetworkError} with status 401.
 */
export async function fetchTicket(fetch: FetchLike, httpUrl: string, token: string): Promise<string> {
  const answer = await postJson(fetch, `${httpUrl}/ticket`, undefined, token).catch((error) => {
    throw error instanceof AuthenticationError ? new NetworkError(error.message, error.status) : error;
  });
  if (typeof answer.ticket !== 'string') throw new NetworkError('POST /ticket answered no ticket');
  return answer.ticket;
}
