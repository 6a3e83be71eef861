/**
 * The names under which a client presents a credential on the WebSocket handshake. The authorizer reads
 * them (credential-sources.ts), `/login` sets the cookie (handlers/http-response.ts), and clients and the
 * README use the same spellings.
 */

/** `?token=<JWT>`: the tutorial's way to present a token. */
export const tokenQueryParameter = 'token';
/** `?ticket=<one-time ticket>` from POST /ticket. */
export const ticketQueryParameter = 'ticket';
/** The HttpOnly cookie `/login` and `/refresh` can set (when the APIs share a domain). */
export const tokenCookieName = 'parley_token';
