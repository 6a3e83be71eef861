/**
 * The names under which a client presents a credential on the WebSocket handshake. The authorizer reads
 * them (credential-sources.ts), `/login` sets the cookies (handlers/http-response.ts), and clients and
 * the README use the same spellings.
 */

/** `?token=<JWT>`: the tutorial's way to present a token. */
export const tokenQueryParameter = 'token';
/** `?ticket=<one-time ticket>` from POST /ticket. */
export const ticketQueryParameter = 'ticket';
/**
 * The HttpOnly token cookie with a `Domain` (both APIs on sibling hosts). A host-only cookie uses
 * {@link hostOnlyTokenCookieName} instead.
 */
export const tokenCookieName = 'parley_token';
/**
 * The host-only token cookie. Browsers accept a `__Host-` cookie only with `Secure`, `Path=/` and no
 * `Domain`, so no other host (a sibling subdomain, say) can set or shadow it.
 */
export const hostOnlyTokenCookieName = '__Host-parley_token';
/**
 * The refresh-token cookie of cookie-only mode, sent back to `/refresh` and `/logout` only. `__Host-`
 * needs `Path=/`, which would send it everywhere; `__Secure-` still keeps insecure origins from setting it.
 */
export const refreshCookieName = '__Secure-parley_refresh';

/** The token cookie's name: host-only unless a `Domain` is configured. */
export function tokenCookieNameFor(domain: string | undefined): string {
  return domain ? tokenCookieName : hostOnlyTokenCookieName;
}
