/**
 * Which web origins may open a connection. Browsers attach `Origin` to every WebSocket handshake and
 * let any page connect anywhere (WebSockets have no CORS), so a page on another site can open a
 * connection with the visitor's cookie: cross-site WebSocket hijacking. The allow-list is the defence;
 * it matters most when the cookie way in is enabled.
 *
 * Non-browser clients (CLIs, services, mobile apps) usually send no `Origin`; whether that is allowed
 * is a separate switch. `Origin` is trivially forged by a non-browser client, so this check protects
 * browser users, not the API: authentication still rests on the credential.
 */
import { fail, ok, type Result } from './result.ts';

export interface OriginPolicy {
  /** Exact, normalised origins (`https://chat.example.com`, `http://localhost:5173`), or `any`. */
  readonly allowedOrigins: 'any' | ReadonlySet<string>;
  /** Whether a handshake without `Origin` is allowed. */
  readonly allowMissingOrigin: boolean;
}

/** Allows everything: the behaviour when no allow-list is configured. */
export const anyOriginPolicy: OriginPolicy = { allowedOrigins: 'any', allowMissingOrigin: true };

export type OriginRejection = 'OriginNotAllowed' | 'OriginMissing';

export type OriginDecision = Result<undefined, OriginRejection>;

/**
 * Builds the allow-list from configuration entries. An empty list, or one containing `*`, allows any
 * origin. Every other entry must be an origin, `scheme://host[:port]` with an http(s) scheme; it is
 * normalised as browsers serialise `Origin` (lower-case host, default port dropped). Problems name the
 * entry and what was expected.
 */
export function parseAllowedOrigins(
  entries: readonly string[],
): Result<OriginPolicy['allowedOrigins'], string[]> {
  if (entries.length === 0 || entries.includes('*')) return ok('any');
  const origins = new Set<string>();
  const problems: string[] = [];
  for (const entry of entries) {
    const origin = normaliseOrigin(entry);
    if (origin.success) origins.add(origin.data);
    else problems.push(origin.error);
  }
  return problems.length > 0 ? fail(problems) : ok(origins);
}

/**
 * Decides one handshake. `origin` is every `Origin` header value the request carried: none means a
 * non-browser client; two different ones are refused, since no browser sends that.
 */
export function checkOrigin(policy: OriginPolicy, origin: readonly string[]): OriginDecision {
  const distinct = [...new Set(origin.map((value) => value.trim()))].filter((value) => value !== '');
  if (distinct.length === 0) {
    return policy.allowMissingOrigin ? ok(undefined) : fail('OriginMissing');
  }
  if (policy.allowedOrigins === 'any') return ok(undefined);
  if (distinct.length > 1) return fail('OriginNotAllowed');
  const [value = ''] = distinct;
  // `null` (sandboxed frames, file: pages) and anything that is not an origin never matches a list entry.
  const normalised = normaliseOrigin(value);
  return normalised.success && policy.allowedOrigins.has(normalised.data)
    ? ok(undefined)
    : fail('OriginNotAllowed');
}

/** `scheme://host[:port]` → its serialisation (RFC 6454), or a message saying what is wrong. */
export function normaliseOrigin(value: string): Result<string, string> {
  const shown = value.length > 100 ? `${value.slice(0, 100)}…` : value;
  const expected = `an origin must look like "https://chat.example.com" or "http://localhost:5173" (scheme://host[:port], no path), got "${shown}"`;
  if (value.includes('*')) {
    return fail(`wildcards are not supported; list each origin exactly: got "${shown}"`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(expected);
  }
  const schemeAndHost = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]+\/?$/i;
  if (
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username !== '' ||
    url.password !== '' ||
    !schemeAndHost.test(value)
  ) {
    return fail(expected);
  }
  return ok(url.origin);
}
