/**
 * Where a connecting client's credential comes from. The authorizer asks a list of extractors in
 * order; the first that finds something wins. The default order is
 *
 *   1. `?ticket=<one-time ticket>`                       (POST /ticket)
 *   2. `Sec-WebSocket-Protocol: parley.v1, <token>`      (browsers: `new WebSocket(url, ['parley.v1', token])`)
 *   3. `?token=<token>`                                  (the tutorial's way)
 *   4. `Cookie: __Host-parley_token=<token>`             (set by /login when LOGIN_COOKIE=true;
 *                                                        `parley_token` when a cookie Domain is set)
 *
 * `?token=` can be turned off (ALLOW_QUERY_TOKEN=false): a query token is then refused, not skipped, so
 * the client learns why. The cookie is read only in cookie mode, and only under the one name `/login`
 * sets: a host-only deployment never accepts a `parley_token` cookie a sibling subdomain could plant.
 *
 * Explicit beats ambient: what the client deliberately put on this handshake (a ticket, a subprotocol
 * token, a query token) wins over a cookie the browser attaches on its own, so a stale cookie never
 * decides who a connection belongs to when the page chose a credential.
 *
 * A source that carries two different values for the same credential is `ambiguous` and refused:
 * guessing which one API Gateway or a proxy looked at is how confused-deputy bugs start (two
 * `parley_token` cookies, for instance, are what a sibling subdomain's cookie tossing produces).
 *
 * API Gateway only invokes the authorizer when every configured identity source is present, so the
 * catalogue names `Sec-WebSocket-Key`, which every handshake carries (lambdas/functions.ts).
 */
import { ticketQueryParameter, tokenCookieName, tokenQueryParameter } from './credential-names.ts';
import { offeredSubprotocols, PARLEY_SUBPROTOCOL } from './subprotocol.ts';

/** The parts of a `$connect` authorizer request an extractor may read (a structural subset of the event). */
export interface ConnectRequest {
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
  readonly multiValueHeaders?: Readonly<Record<string, readonly string[] | undefined>> | null;
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly multiValueQueryStringParameters?: Readonly<Record<string, readonly string[] | undefined>> | null;
}

/** Where a credential was found. */
export type CredentialSource = 'ticket' | 'subprotocol' | 'query' | 'cookie';

export type Credential =
  /** A bearer token (JWT) to verify. */
  | { readonly kind: 'token'; readonly token: string; readonly source: Exclude<CredentialSource, 'ticket'> }
  /** A one-time ticket to redeem. */
  | { readonly kind: 'ticket'; readonly ticket: string; readonly source: 'ticket' }
  /** The same source carries two different values; refusing beats guessing which one the gateway used. */
  | { readonly kind: 'ambiguous'; readonly source: CredentialSource }
  /** A credential in a source the deployment turned off (`?token=` with ALLOW_QUERY_TOKEN=false). */
  | { readonly kind: 'disabled'; readonly source: CredentialSource }
  | { readonly kind: 'missing' };

/** Returns a credential found in its source, or `undefined` when the source is absent or empty. */
export type CredentialExtractor = (
  request: ConnectRequest,
) => Exclude<Credential, { kind: 'missing' }> | undefined;

type Found<K extends 'token' | 'ticket'> = Extract<Credential, { kind: K }>;

/** Reads `?<name>=<value>`; empty values count as absent, two different values are ambiguous. */
function queryValue(request: ConnectRequest, name: string): { value: string } | 'ambiguous' | undefined {
  const values = (request.multiValueQueryStringParameters?.[name] ?? []).filter((value) => value !== '');
  if (new Set(values).size > 1) return 'ambiguous';
  const value = request.queryStringParameters?.[name] || values[0];
  return value ? { value } : undefined;
}

/** Reads `?token=<token>` (or another parameter name). */
export function queryStringToken(name: string = tokenQueryParameter): CredentialExtractor {
  return (request) => {
    const found = queryValue(request, name);
    if (found === 'ambiguous') return { kind: 'ambiguous', source: 'query' };
    return found && ({ kind: 'token', token: found.value, source: 'query' } satisfies Found<'token'>);
  };
}

/** Reads `?ticket=<ticket>` (or another parameter name). */
export function queryStringTicket(name: string = ticketQueryParameter): CredentialExtractor {
  return (request) => {
    const found = queryValue(request, name);
    if (found === 'ambiguous') return { kind: 'ambiguous', source: 'ticket' };
    return found && ({ kind: 'ticket', ticket: found.value, source: 'ticket' } satisfies Found<'ticket'>);
  };
}

/**
 * Reads the token a browser offers as a second subprotocol: `Sec-WebSocket-Protocol: parley.v1, <token>`.
 * Only when `parley.v1` is offered: a lone value is a subprotocol name, not a credential (and `$connect`
 * refuses it with 400). Exactly one other value is the token; several are ambiguous.
 */
export function subprotocolToken(marker: string = PARLEY_SUBPROTOCOL): CredentialExtractor {
  return (request) => {
    const offered = headerValues(request, 'sec-websocket-protocol').flatMap((value) =>
      offeredSubprotocols({ 'sec-websocket-protocol': value }),
    );
    if (!offered.includes(marker)) return undefined;
    const tokens = [...new Set(offered.filter((value) => value !== marker))];
    if (tokens.length > 1) return { kind: 'ambiguous', source: 'subprotocol' };
    const [token] = tokens;
    return token === undefined ? undefined : { kind: 'token', token, source: 'subprotocol' };
  };
}

/** Reads the `parley_token` cookie (or another cookie name) from the `Cookie` header(s). */
export function cookieToken(name: string = tokenCookieName): CredentialExtractor {
  return (request) => {
    const values = headerValues(request, 'cookie').flatMap((header) => cookieValues(header, name));
    const distinct = [...new Set(values.filter((value) => value !== ''))];
    if (distinct.length > 1) return { kind: 'ambiguous', source: 'cookie' };
    const [token] = distinct;
    return token === undefined ? undefined : { kind: 'token', token, source: 'cookie' };
  };
}

/** Refuses `?token=` (or another parameter name) where the deployment turned it off. */
export function disabledQueryStringToken(name: string = tokenQueryParameter): CredentialExtractor {
  return (request) =>
    queryValue(request, name) === undefined ? undefined : { kind: 'disabled', source: 'query' };
}

export interface CredentialSourceOptions {
  /** Whether `?token=` is accepted; when not, a query token is refused as `disabled`. */
  readonly allowQueryToken: boolean;
  /** The token cookie's name in cookie mode; undefined when cookies are not a way in. */
  readonly cookieName: string | undefined;
}

/** Ticket, then subprotocol, then query token, then cookie (explicit beats ambient), as configured. */
export function credentialExtractors(options: CredentialSourceOptions): readonly CredentialExtractor[] {
  return [
    queryStringTicket(),
    subprotocolToken(),
    options.allowQueryToken ? queryStringToken() : disabledQueryStringToken(),
    ...(options.cookieName === undefined ? [] : [cookieToken(options.cookieName)]),
  ];
}

/**
 * Every way in, the cookie under its `Domain` name: what the authorizer uses when it is given no list.
 * The deployed authorizer builds its list from configuration (`credentialExtractors`).
 */
export const defaultCredentialExtractors: readonly CredentialExtractor[] = credentialExtractors({
  allowQueryToken: true,
  cookieName: tokenCookieName,
});

export function extractCredential(
  request: ConnectRequest,
  extractors: readonly CredentialExtractor[] = defaultCredentialExtractors,
): Credential {
  for (const extract of extractors) {
    const credential = extract(request);
    if (credential !== undefined) return credential;
  }
  return { kind: 'missing' };
}

/**
 * Every value of a header, its name matched case-insensitively. API Gateway fills `multiValueHeaders`
 * with each occurrence and `headers` with one of them; both are read so that no occurrence hides.
 */
export function headerValues(request: ConnectRequest, name: string): string[] {
  const lower = name.toLowerCase();
  const values: string[] = [];
  for (const [key, list] of Object.entries(request.multiValueHeaders ?? {})) {
    if (key.toLowerCase() === lower) values.push(...(list ?? []));
  }
  for (const [key, value] of Object.entries(request.headers ?? {})) {
    if (key.toLowerCase() === lower && value !== undefined && !values.includes(value)) values.push(value);
  }
  return values;
}

/**
 * The values of cookie `name` in one `Cookie` header (RFC 6265 §4.2: `a=b; c="d"`). Names compare
 * exactly (they are case-sensitive); surrounding whitespace is dropped and one pair of double quotes
 * around a value is removed. Values are not percent-decoded: Parley's cookie holds a JWT, whose
 * base64url-and-dots alphabet needs no encoding.
 */
export function cookieValues(header: string, name: string): string[] {
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals === -1 || pair.slice(0, equals).trim() !== name) continue;
    let value = pair.slice(equals + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    values.push(value);
  }
  return values;
}
