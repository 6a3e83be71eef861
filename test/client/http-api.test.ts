import { describe, expect, it } from 'vitest';
import { CallbackTokens, fetchTicket, PasswordTokens, postJson } from '../../client/src/http-api.ts';
import { AuthenticationError, type FetchLike, NetworkError } from '../../client/src/index.ts';
import { FakeParley } from './support/fake-parley.ts';
import { ManualScheduler } from './support/manual-scheduler.ts';

const answering =
  (status: number, body: unknown = {}, headers: Record<string, string> = {}): FetchLike =>
  async () => ({
    status,
    headers: { get: (name) => headers[name.toLowerCase()] ?? null },
    json: async () => body,
  });

describe('postJson', () => {
  it('posts JSON and returns the JSON of a 200', async () => {
    const seen: unknown[] = [];
    const fetch: FetchLike = async (url, init) => {
      seen.push([url, init]);
      return answering(200, { token: 't' })(url, init);
    };

    await expect(
      postJson(fetch, 'https://api.test/login', { username: 'a' }, 'bearer-token'),
    ).resolves.toEqual({ token: 't' });
    expect(seen).toEqual([
      [
        'https://api.test/login',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer bearer-token' },
          body: '{"username":"a"}',
        },
      ],
    ]);
  });

  it.each([400, 401, 403])(
    'treats %i as refused credentials (terminal), with the server’s message',
    async (status) => {
      const failure = await postJson(
        answering(status, { message: 'Invalid username or password' }),
        'https://api.test/login',
        {},
      ).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(AuthenticationError);
      expect(failure).toMatchObject({
        status,
        message: `POST /login answered ${status}: Invalid username or password`,
      });
    },
  );

  it.each([
    [500, {}, undefined],
    [503, { 'retry-after': '7' }, 7_000],
    [429, { 'retry-after': '120' }, 120_000],
  ])('treats %i as temporary, keeping Retry-After', async (status, headers, retryAfterMs) => {
    const failure = await postJson(answering(status, {}, headers), 'https://api.test/login', {}).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(NetworkError);
    expect(failure).toMatchObject({ status, retryAfterMs });
  });

  it('reads a Retry-After given as an HTTP date', async () => {
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    const failure = (await postJson(
      answering(429, {}, { 'retry-after': inAMinute }),
      'https://api.test/login',
      {},
    ).catch((error: unknown) => error)) as NetworkError;
    expect(failure.retryAfterMs).toBeGreaterThan(55_000);
    expect(failure.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('turns a network failure into a temporary NetworkError that keeps its cause', async () => {
    const cause = new TypeError('fetch failed');
    const failure = await postJson(
      async () => {
        throw cause;
      },
      'https://api.test/refresh',
      {},
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NetworkError);
    expect(failure).toMatchObject({
      message: 'POST /refresh failed: fetch failed',
      cause,
      status: undefined,
    });
  });

  it('survives an answer that is not JSON', async () => {
    const fetch: FetchLike = async () => ({
      status: 502,
      headers: { get: () => null },
      json: async () => {
        throw new SyntaxError('Unexpected token <');
      },
    });
    await expect(postJson(fetch, 'https://api.test/login', {})).rejects.toMatchObject({
      name: 'NetworkError',
      status: 502,
    });
  });
});

describe('PasswordTokens', () => {
  function setup() {
    const scheduler = new ManualScheduler();
    const server = new FakeParley(scheduler);
    const tokens = new PasswordTokens(
      server.fetch,
      'https://api.parley.test',
      { username: 'alice', password: 'password1' },
      scheduler,
    );
    return { scheduler, server, tokens };
  }

  it('logs in once and reuses the token while it has more than a minute left', async () => {
    const { scheduler, server, tokens } = setup();

    const first = await tokens.token(false);
    await scheduler.advance(3_540_000 - 1);
    const again = await tokens.token(false);
    await scheduler.advance(1);
    const renewed = await tokens.token(false);

    expect(again).toBe(first);
    expect(renewed).not.toBe(first);
    expect(server.httpCalls.map((call) => call.path)).toEqual(['/login', '/refresh']);
  });

  it('refreshes when asked for a fresh token, and keeps the refresh token /refresh does not replace', async () => {
    const { server, tokens } = setup();
    await tokens.token(false);

    await tokens.token(true);
    await tokens.token(true);

    expect(server.httpCalls.map((call) => call.path)).toEqual(['/login', '/refresh', '/refresh']);
    expect(server.calls('/refresh')[1]?.body).toEqual(server.calls('/refresh')[0]?.body);
  });

  it('logs in again when the refresh token is refused, but not when /refresh is merely unavailable', async () => {
    const { server, tokens } = setup();
    await tokens.token(false);
    server.http['/refresh']?.push({ status: 503 });

    await expect(tokens.token(true)).rejects.toMatchObject({ name: 'NetworkError', status: 503 });
    server.revokeRefreshTokens();
    await tokens.token(true);

    expect(server.httpCalls.map((call) => call.path)).toEqual(['/login', '/refresh', '/refresh', '/login']);
  });

  it('revokes the refresh token on logout and forgets it', async () => {
    const { server, tokens } = setup();
    await tokens.token(false);

    await tokens.logout();
    await tokens.token(false);

    expect(server.httpCalls.map((call) => call.path)).toEqual(['/login', '/logout', '/login']);
  });

  it('refuses an answer without a token', async () => {
    const tokens = new PasswordTokens(
      answering(200, {}),
      'https://api.test',
      { username: 'a', password: 'b' },
      new ManualScheduler(),
    );
    await expect(tokens.token(false)).rejects.toThrow('/login answered no token');
  });
});

describe('CallbackTokens and tickets', () => {
  it('calls getToken every time and refuses an empty token as terminal', async () => {
    let calls = 0;
    const tokens = new CallbackTokens(async () => (++calls === 1 ? 'tok' : ''));
    await expect(tokens.token()).resolves.toBe('tok');
    await expect(tokens.token()).rejects.toThrow(AuthenticationError);
  });

  it('reports a ticket refused for its token as a temporary 401 (a fresh token may cure it)', async () => {
    const failure = await fetchTicket(
      answering(401, { message: 'Invalid or expired token' }),
      'https://api.test',
      'old',
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NetworkError);
    expect(failure).toMatchObject({
      status: 401,
      message: 'POST /ticket answered 401: Invalid or expired token',
    });
  });
});
