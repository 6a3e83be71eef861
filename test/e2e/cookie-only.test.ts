/**
 * A production-shaped deployment on the local stack: cookie-only mode (no token in any response body),
 * an Origin allow-list, and `?token=` turned off. A client logs in, connects with the cookie, refreshes
 * with the refresh-token cookie, extends its live connection with `reauth { ticket }` from a ticket the
 * cookie bought, and logs out; a foreign origin gets 403 at every credential endpoint.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cookiePair, requestTicket } from './support/auth-api.ts';
import { eventTimeoutMs } from './support/eventually.ts';
import { type Frame, request } from './support/frames.ts';
import { type Harness, startHarness, type Welcome } from './support/harness.ts';

const appOrigin = 'http://app.parley.test';

/** A POST as a page on `origin` makes it, with the cookies it holds. */
function post(
  harness: Harness,
  path: string,
  options: { body?: unknown; cookie?: string; origin?: string } = {},
) {
  return fetch(`${harness.stack.httpUrl}${path}`, {
    method: 'POST',
    headers: {
      origin: options.origin ?? appOrigin,
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.cookie ? { cookie: options.cookie } : {}),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
}

describe('cookie-only mode on the local stack', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({
      policies: { tokensInBody: false, allowedOrigins: [appOrigin], allowQueryToken: false },
    });
  });
  afterEach(() => harness.closeAll());
  afterAll(() => harness?.stop());

  /** Logs in as a page on the app's origin; the cookies a browser would keep. */
  async function loginWithCookies(username: string, password: string) {
    const response = await post(harness, '/login', { body: { username, password } });
    const setCookies = response.headers.getSetCookie();
    return {
      response,
      body: (await response.json()) as Record<string, unknown>,
      setCookies,
      token: cookiePair(setCookies, /^__Host-parley_token=/) ?? '',
      refresh: cookiePair(setCookies, /^__Secure-parley_refresh=/) ?? '',
    };
  }

  it('logs in without a token in the body, and connects with the HttpOnly cookie', async () => {
    // Act
    const login = await loginWithCookies('alice', 'password1');
    const session = await harness.connect('', { headers: { Origin: appOrigin, Cookie: login.token } });

    // Assess
    expect(login.response.status).toBe(200);
    expect(login.body).toEqual({ expiresIn: expect.any(Number) });
    expect(login.setCookies).toEqual([
      expect.stringMatching(
        /^__Host-parley_token=ey[^;]+; HttpOnly; Secure; SameSite=Strict; Path=\/; Max-Age=\d+$/,
      ),
      expect.stringMatching(
        /^__Secure-parley_refresh=[^;]+; HttpOnly; Secure; SameSite=Strict; Path=\/refresh; Max-Age=2592000$/,
      ),
      expect.stringMatching(
        /^__Secure-parley_refresh=[^;]+; HttpOnly; Secure; SameSite=Strict; Path=\/logout; Max-Age=2592000$/,
      ),
    ]);
    expect(session.welcome).toMatchObject({ username: 'alice' });
  });

  it('refreshes from the refresh-token cookie, buys a ticket with the cookie, and reauths a live connection with it', async () => {
    // Prepare
    const login = await loginWithCookies('bob', 'password2');
    const session = await harness.connect('', { headers: { Origin: appOrigin, Cookie: login.token } });

    // Act
    const refreshed = await post(harness, '/refresh', { cookie: login.refresh });
    const freshCookie = cookiePair(refreshed.headers.getSetCookie(), /^__Host-parley_token=/) ?? '';
    const ticketResponse = await post(harness, '/ticket', { cookie: freshCookie });
    const { ticket } = (await ticketResponse.json()) as { ticket: string };
    const answer = await request(session.client, { action: 'reauth', ticket });
    const replay = await request(session.client, { action: 'reauth', ticket });

    // Assess
    expect(refreshed.status).toBe(200);
    expect(await refreshed.json()).toEqual({ expiresIn: expect.any(Number) });
    expect(freshCookie).not.toBe(login.token);
    expect(ticketResponse.status).toBe(200);
    expect(answer).toMatchObject({ type: 'reauthenticated' });
    expect(replay).toMatchObject({ type: 'error', code: 'TOKEN_INVALID', reason: 'TicketSpent' });
  });

  it('refuses every credential endpoint to a foreign origin with 403, setting no cookie', async () => {
    // Prepare
    const login = await loginWithCookies('carol', 'password3');
    const evil = 'https://evil.example';

    // Act
    const responses = await Promise.all([
      post(harness, '/login', { body: { username: 'carol', password: 'password3' }, origin: evil }),
      post(harness, '/refresh', { cookie: login.refresh, origin: evil }),
      post(harness, '/ticket', { cookie: login.token, origin: evil }),
      post(harness, '/logout', { cookie: login.refresh, origin: evil }),
      post(harness, '/password', {
        body: { username: 'carol', session: 'x', newPassword: 'y' },
        origin: evil,
      }),
    ]);

    // Assess
    expect(responses.map((response) => response.status)).toEqual([403, 403, 403, 403, 403]);
    expect(responses.flatMap((response) => response.headers.getSetCookie())).toEqual([]);
    // The refused logout revoked nothing: the refresh cookie still works from the app.
    expect((await post(harness, '/refresh', { cookie: login.refresh })).status).toBe(200);
  });

  it('refuses ?token= with 401 and still accepts the subprotocol', async () => {
    // Prepare
    const login = await loginWithCookies('dave', 'password4');
    const token = login.token.slice('__Host-parley_token='.length);

    // Act
    const byQuery = await harness.handshake(`?token=${token}`);
    const bySubprotocol = await harness.handshake('', { protocols: ['parley.v1', token] });

    // Assess
    expect(byQuery).toMatchObject({ kind: 'refused', status: 401 });
    expect(bySubprotocol.kind).toBe('open');
    if (bySubprotocol.kind === 'open') {
      expect(
        await bySubprotocol.client.nextJson<Welcome>((frame) => frame.type === 'welcome', eventTimeoutMs),
      ).toMatchObject({ username: 'dave' });
    }
  });

  it('logs out from the refresh-token cookie, clearing the cookies, after which the refresh cookie is dead', async () => {
    // Prepare
    const login = await loginWithCookies('alice', 'password1');

    // Act
    const loggedOut = await post(harness, '/logout', { cookie: login.refresh });
    const afterwards = await post(harness, '/refresh', { cookie: login.refresh });

    // Assess
    expect(loggedOut.status).toBe(200);
    expect(loggedOut.headers.getSetCookie()).toEqual([
      '__Host-parley_token=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0',
      '__Secure-parley_refresh=; HttpOnly; Secure; SameSite=Strict; Path=/refresh; Max-Age=0',
      '__Secure-parley_refresh=; HttpOnly; Secure; SameSite=Strict; Path=/logout; Max-Age=0',
    ]);
    expect(afterwards.status).toBe(401);
  });

  it('buys no ticket without a cookie or a bearer token', async () => {
    // Act
    const response = await requestTicket(harness.stack, '');

    // Assess
    expect(response.status).toBe(401);
    expect((await response.json()) as Frame).toEqual({ message: 'Missing bearer token' });
  });
});
