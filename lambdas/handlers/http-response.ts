/**
 * Responses for Parley's HTTP API functions (payload v2). Every body is JSON; every response carries
 * `Cache-Control: no-store`, since these ones hold tokens or answer requests that carried passwords.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { TokenCookieConfig } from '../config.ts';
import { refreshCookieName, tokenCookieNameFor } from '../core/credential-names.ts';
import { cookieValues } from '../core/credential-sources.ts';
import type { BodyProblem, RequestBody } from '../core/form-body.ts';

const noStoreHeaders = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  pragma: 'no-cache',
} as const;

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { ...noStoreHeaders, ...headers }, body: JSON.stringify(body) };
}

/** The one mapping from body problems to status codes: 413, 415, else 400; `{ message }` says what is wrong. */
export function bodyProblemResponse(problem: BodyProblem): APIGatewayProxyStructuredResultV2 {
  const status = problem.kind === 'too-large' ? 413 : problem.kind === 'unsupported-media-type' ? 415 : 400;
  return jsonResponse(status, { message: problem.message });
}

/** The request body as the parsers want it. HTTP APIs lower-case header names; other callers may not. */
export function requestBodyOf(
  event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded' | 'headers'>,
): RequestBody {
  return {
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    contentType: headerValue(event.headers, 'content-type'),
  };
}

export function headerValue(
  headers: Readonly<Record<string, string | undefined>> | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  const exact = headers[name];
  if (exact !== undefined) return exact;
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/** RFC 6265 cookie-octets: what a cookie value may hold unquoted (a JWT always qualifies). */
const cookieOctets = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+$/;

/** The paths the refresh-token cookie is sent back to: one cookie each, since a cookie has one Path. */
export const refreshCookiePaths = ['/refresh', '/logout'] as const;

/**
 * `Set-Cookie` for the token cookie: HttpOnly (page scripts cannot read it), Secure, SameSite=Strict
 * (no cross-site request carries it), Path=/, living as long as the token; `__Host-parley_token`
 * unless a `Domain` is configured. Undefined when the value could not be carried safely (it would break
 * out of the header).
 */
export function tokenCookie(
  settings: Pick<TokenCookieConfig, 'domain'>,
  token: string,
  maxAgeSeconds: number,
): string | undefined {
  if (!cookieOctets.test(token)) return undefined;
  return tokenCookieHeader(settings, token, Math.max(0, Math.floor(maxAgeSeconds)));
}

/** `Set-Cookie` that makes the browser drop the token cookie (same name, path and domain, Max-Age=0). */
export function clearedTokenCookie(settings: Pick<TokenCookieConfig, 'domain'>): string {
  return tokenCookieHeader(settings, '', 0);
}

function tokenCookieHeader(
  settings: Pick<TokenCookieConfig, 'domain'>,
  value: string,
  maxAge: number,
): string {
  const domain = settings.domain ? `; Domain=${settings.domain}` : '';
  return `${tokenCookieNameFor(settings.domain)}=${value}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=${maxAge}${domain}`;
}

/**
 * `Set-Cookie` headers for the refresh token in cookie-only mode: host-only, HttpOnly, Secure,
 * SameSite=Strict, sent back to `/refresh` and `/logout` alone. Empty when the value could not be carried.
 */
export function refreshTokenCookies(refreshToken: string, maxAgeSeconds: number): string[] {
  if (!cookieOctets.test(refreshToken)) return [];
  return refreshCookiePaths.map((path) => refreshCookieHeader(path, refreshToken, Math.floor(maxAgeSeconds)));
}

/** `Set-Cookie` headers that make the browser drop both refresh-token cookies. */
export function clearedRefreshTokenCookies(): string[] {
  return refreshCookiePaths.map((path) => refreshCookieHeader(path, '', 0));
}

function refreshCookieHeader(path: string, value: string, maxAge: number): string {
  return `${refreshCookieName}=${value}; HttpOnly; Secure; SameSite=Strict; Path=${path}; Max-Age=${maxAge}`;
}

/**
 * The token cookie for a response carrying a fresh token, when the cookie is enabled. A token that
 * cannot be carried in a cookie (never a JWT) leaves the response without one.
 */
export function tokenCookiesFor(
  settings: TokenCookieConfig | undefined,
  token: string,
  expiresIn: number,
): (string | undefined)[] {
  return settings?.enabled ? [tokenCookie(settings, token, expiresIn)] : [];
}

/**
 * A cookie the request carried (payload 2.0 puts them in `cookies`, one `name=value` each). Undefined
 * when absent, empty, or present with two different values: guessing which one is meant is no better
 * than asking for it in the body.
 */
export function requestCookie(
  event: Pick<APIGatewayProxyEventV2, 'cookies'>,
  name: string,
): string | undefined {
  const values = new Set((event.cookies ?? []).flatMap((cookie) => cookieValues(cookie, name)));
  values.delete('');
  return values.size === 1 ? [...values][0] : undefined;
}

/** Adds `Set-Cookie` headers through payload 2.0's `cookies` array. */
export function withCookies(
  response: APIGatewayProxyStructuredResultV2,
  cookies: readonly (string | undefined)[],
): APIGatewayProxyStructuredResultV2 {
  const present = cookies.filter((cookie): cookie is string => cookie !== undefined);
  return present.length === 0
    ? response
    : { ...response, cookies: [...(response.cookies ?? []), ...present] };
}

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1; the scheme is
 * case-insensitive). `undefined` when the header is absent, empty or another scheme.
 */
export function bearerToken(
  headers: Readonly<Record<string, string | undefined>> | undefined,
): string | undefined {
  const value = headerValue(headers, 'authorization');
  const match = value === undefined ? null : /^Bearer[ ]+(\S+)[ ]*$/i.exec(value);
  return match?.[1];
}
