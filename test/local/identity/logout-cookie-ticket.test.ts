/**
 * The local identity provider's share of the credential ways: POST /logout over the local refresh-token
 * store, the token cookie through the HTTP bridge, and tickets and cookies carrying its tokens through
 * the real authorizer (in-memory ticket store: the DynamoDB side runs in the end-to-end suite).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenVerifier } from '../../../lambdas/adapters/token-verifier.ts';
import { loadAuthConfig } from '../../../lambdas/config.ts';
import { hostOnlyTokenCookieName } from '../../../lambdas/core/credential-names.ts';
import { credentialExtractors } from '../../../lambdas/core/credential-sources.ts';
import type { Identity } from '../../../lambdas/core/identity.ts';
import type { TicketStore } from '../../../lambdas/core/ports.ts';
import { createAuthorizerHandler } from '../../../lambdas/handlers/authorizer.ts';
import { createTicketHandler } from '../../../lambdas/handlers/ticket.ts';
import { LoopbackHttpFetcher } from '../../../local/identity/loopback-jwks-fetcher.ts';
import { uuidV5 } from '../../../local/identity/user-directory.ts';
import { authorizerEvent, ticketEvent } from '../../fixtures/http-events.ts';
import { testTicketKeySource } from '../../fixtures/tickets.ts';
import { form, type IdentityServer, post, startIdentityServer } from './identity-server.ts';

const servers: IdentityServer[] = [];

async function start(props: Parameters<typeof startIdentityServer>[0] = {}): Promise<IdentityServer> {
  const server = await startIdentityServer(props);
  servers.push(server);
  return server;
}

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const verifierFor = (server: IdentityServer) =>
  createTokenVerifier(loadAuthConfig(server.provider.authorizerEnv).issuer, {
    fetcher: new LoopbackHttpFetcher(),
  });

/** Single-use tickets in memory, with the same contract as DynamoTicketStore. */
function memoryTicketStore(now: () => number = Date.now): TicketStore {
  const tickets = new Map<string, { identity: Identity; validUntil: number }>();
  return {
    async save(ticket, identity, validUntil) {
      tickets.set(ticket, { identity, validUntil });
    },
    async redeem(ticket) {
      const entry = tickets.get(ticket);
      tickets.delete(ticket);
      return entry && entry.validUntil > now() ? entry.identity : undefined;
    },
  };
}

describe('POST /logout on the local identity provider', () => {
  it('revokes the refresh token, so /refresh with it gets 401', async () => {
    // Prepare
    const server = await start();
    const login = await post(server.baseUrl, '/login', { username: 'bob', password: 'password2' });
    const refreshToken = String(login.body.refreshToken);
    const before = await post(server.baseUrl, '/refresh', { refreshToken });

    // Act
    const logout = await post(server.baseUrl, '/logout', form({ refreshToken }));
    const after = await post(server.baseUrl, '/refresh', { refreshToken });
    const again = await post(server.baseUrl, '/logout', { refreshToken });

    // Assess
    expect(before.status).toBe(200);
    expect(logout).toMatchObject({ status: 200, body: { message: 'Logged out' } });
    expect(logout.headers.get('cache-control')).toBe('no-store');
    expect(after).toMatchObject({ status: 401, body: { message: 'Invalid or expired refresh token' } });
    expect(again).toMatchObject({ status: 200, body: { message: 'Logged out' } });
    expect(server.logLines.join('\n')).not.toContain(refreshToken);
  });

  it('leaves other sessions of the same user alone', async () => {
    // Prepare
    const server = await start();
    const first = await post(server.baseUrl, '/login', { username: 'bob', password: 'password2' });
    const second = await post(server.baseUrl, '/login', { username: 'bob', password: 'password2' });

    // Act
    await post(server.baseUrl, '/logout', { refreshToken: String(first.body.refreshToken) });
    const other = await post(server.baseUrl, '/refresh', { refreshToken: String(second.body.refreshToken) });

    // Assess
    expect(other.status).toBe(200);
  });

  it('answers a malformed body with 400', async () => {
    // Prepare
    const server = await start();

    // Act
    const response = await post(server.baseUrl, '/logout', { token: 'x' });

    // Assess
    expect(response).toMatchObject({ status: 400, body: { message: 'refreshToken is required' } });
  });
});

describe('the token cookie on the local identity provider', () => {
  it('is set by /login and /refresh and cleared by /logout when enabled, host-only under __Host-', async () => {
    // Prepare
    const server = await start({ tokenCookie: { enabled: true, tokensInBody: true } });

    // Act
    const login = await post(server.baseUrl, '/login', { username: 'alice', password: 'password1' });
    const refresh = await post(server.baseUrl, '/refresh', { refreshToken: String(login.body.refreshToken) });
    const logout = await post(server.baseUrl, '/logout', { refreshToken: String(login.body.refreshToken) });

    // Assess
    expect(login.headers.getSetCookie()).toEqual([
      `__Host-parley_token=${login.body.token}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=${login.body.expiresIn}`,
    ]);
    expect(refresh.headers.getSetCookie()).toEqual([
      expect.stringMatching(
        new RegExp(`^__Host-parley_token=${String(refresh.body.token).replace(/\./g, '\\.')}; `),
      ),
    ]);
    expect(logout.headers.getSetCookie()).toEqual([
      '__Host-parley_token=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0',
      '__Secure-parley_refresh=; HttpOnly; Secure; SameSite=Strict; Path=/refresh; Max-Age=0',
      '__Secure-parley_refresh=; HttpOnly; Secure; SameSite=Strict; Path=/logout; Max-Age=0',
    ]);
  });

  it('is not set by default', async () => {
    // Prepare
    const server = await start();

    // Act
    const login = await post(server.baseUrl, '/login', { username: 'alice', password: 'password1' });

    // Assess
    expect(login.headers.getSetCookie()).toEqual([]);
  });

  it('carries a token the authorizer accepts', async () => {
    // Prepare
    const server = await start({ tokenCookie: { enabled: true, tokensInBody: true } });
    const login = await post(server.baseUrl, '/login', { username: 'carol', password: 'password3' });
    const cookie = login.headers.getSetCookie()[0]?.split(';')[0] ?? '';

    // Act
    const allowed = await createAuthorizerHandler({
      verifier: verifierFor(server),
      extractors: credentialExtractors({ allowQueryToken: true, cookieName: hostOnlyTokenCookieName }),
    })(authorizerEvent({ headers: { Cookie: `theme=dark; ${cookie}` } }));

    // Assess
    expect(allowed.principalId).toBe(uuidV5('carol'));
  });
});

describe('tickets for local tokens', () => {
  it('trades a local token for a ticket that opens exactly one connection', async () => {
    // Prepare
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const server = await start();
    const tickets = memoryTicketStore();
    const login = await post(server.baseUrl, '/login', { username: 'dave', password: 'password4' });
    const ticketHandler = createTicketHandler({
      verifier: verifierFor(server),
      tickets,
      ticketKey: testTicketKeySource,
    });
    const authorizer = createAuthorizerHandler({
      verifier: verifierFor(server),
      tickets: { store: tickets, key: testTicketKeySource },
    });

    // Act
    const issued = await ticketHandler(ticketEvent(String(login.body.token)));
    const { ticket } = JSON.parse(issued.body ?? '{}') as { ticket: string };
    const first = await authorizer(authorizerEvent({ ticket }));
    const replay = await authorizer(authorizerEvent({ ticket })).catch((error: Error) => error);

    // Assess
    expect(issued.statusCode).toBe(200);
    expect(first.principalId).toBe(uuidV5('dave'));
    expect(first.context).toMatchObject({ username: 'dave', groups: '["admin"]' });
    expect((replay as Error).message).toBe('Unauthorized');
  });

  it('refuses a ticket once it has expired', async () => {
    // Prepare
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    let now = Date.now();
    const server = await start();
    const tickets = memoryTicketStore(() => now);
    const login = await post(server.baseUrl, '/login', { username: 'dave', password: 'password4' });
    const issued = await createTicketHandler({
      verifier: verifierFor(server),
      tickets,
      ticketKey: testTicketKeySource,
      ttlSeconds: 2,
      now: () => now,
    })(ticketEvent(String(login.body.token)));
    const { ticket } = JSON.parse(issued.body ?? '{}') as { ticket: string };

    // Act
    now += 2_001;
    const late = await createAuthorizerHandler({
      verifier: verifierFor(server),
      tickets: { store: tickets, key: testTicketKeySource },
      now: () => now,
    })(authorizerEvent({ ticket })).catch((error: Error) => error);

    // Assess
    expect((late as Error).message).toBe('Unauthorized');
  });
});
