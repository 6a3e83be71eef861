/**
 * The local stack's HTTP API as a browser or CLI uses it: /login, /refresh, /logout and /ticket.
 */
import type { LocalStack } from '../../../local/local-stack.ts';

export const demoPasswords: Readonly<Record<string, string>> = {
  alice: 'password1',
  bob: 'password2',
  carol: 'password3',
  dave: 'password4',
};

export interface LoginTokens {
  readonly token: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
  /** Every `Set-Cookie` header of the response. */
  readonly setCookies: readonly string[];
  /**
   * The token cookie from Set-Cookie (`__Host-parley_token=<token>` host-only, `parley_token=<token>`
   * with a Domain), ready for a `Cookie` header; undefined without one.
   */
  readonly cookie: string | undefined;
}

type Stack = Pick<LocalStack, 'httpUrl'>;

const post = (stack: Stack, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${stack.httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/** Logs in as a demo user; throws unless the answer is 200 with tokens. */
export async function login(stack: Stack, username: string): Promise<LoginTokens> {
  const response = await post(stack, '/login', { username, password: demoPasswords[username] });
  const body = (await response.json()) as { token?: string; refreshToken?: string; expiresIn?: number };
  if (response.status !== 200 || !body.token || !body.refreshToken) {
    throw new Error(`login as ${username} answered ${response.status}`);
  }
  const setCookies = response.headers.getSetCookie();
  const cookie = cookiePair(setCookies, /^(__Host-)?parley_token=/);
  return {
    token: body.token,
    refreshToken: body.refreshToken,
    expiresIn: body.expiresIn ?? 0,
    setCookies,
    cookie,
  };
}

/** The `name=value` of the first non-empty cookie in `setCookies` whose name matches. */
export function cookiePair(setCookies: readonly string[], name: RegExp): string | undefined {
  return setCookies
    .map((header) => header.split(';')[0]?.trim() ?? '')
    .find((pair) => name.test(pair) && !pair.endsWith('='));
}

export const refresh = (stack: Stack, refreshToken: string) => post(stack, '/refresh', { refreshToken });

export const logout = (stack: Stack, refreshToken: string, options: { everywhere?: boolean } = {}) =>
  post(stack, '/logout', { refreshToken, ...options });

export const requestTicket = (stack: Stack, token: string) =>
  fetch(`${stack.httpUrl}/ticket`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

/** A ticket for `token`, and when it was received (its lifetime counts from before then). */
export async function ticketFor(
  stack: Stack,
  token: string,
): Promise<{ ticket: string; expiresIn: number; receivedAt: number }> {
  const response = await requestTicket(stack, token);
  const body = (await response.json()) as { ticket?: string; expiresIn?: number };
  if (response.status !== 200 || !body.ticket) throw new Error(`POST /ticket answered ${response.status}`);
  return { ticket: body.ticket, expiresIn: body.expiresIn ?? 0, receivedAt: Date.now() };
}
