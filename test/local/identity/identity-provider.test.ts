import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../../lambdas/adapters/token-verifier.ts';
import { loadAuthConfig } from '../../../lambdas/config.ts';
import { ConfigurationError } from '../../../lambdas/core/errors.ts';
import { createAuthorizerHandler } from '../../../lambdas/handlers/authorizer.ts';
import { createIdentityProvider } from '../../../local/identity/identity-provider.ts';
import { LoopbackHttpFetcher } from '../../../local/identity/loopback-jwks-fetcher.ts';
import { uuidV5 } from '../../../local/identity/user-directory.ts';
import { authorizerEvent, testMethodArn } from '../../fixtures/http-events.ts';
import { form, type IdentityServer, post, startIdentityServer } from './identity-server.ts';

let dataDir: string;
const servers: IdentityServer[] = [];

async function start(props: Parameters<typeof startIdentityServer>[0] = {}): Promise<IdentityServer> {
  const server = await startIdentityServer(props);
  servers.push(server);
  return server;
}

/** The authorizer's verifier, configured exactly as the local stack configures it: from the env map. */
/** The authorizer's verifier for the provider's environment, with the loopback fetcher the local stack installs. */
const verifierFor = (server: IdentityServer) =>
  createTokenVerifier(loadAuthConfig(server.provider.authorizerEnv).issuer, {
    fetcher: new LoopbackHttpFetcher(),
  });

const decode = (token: string, part: 0 | 1) =>
  JSON.parse(Buffer.from(token.split('.')[part] ?? '', 'base64url').toString()) as Record<string, unknown>;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'parley-identity-'));
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await rm(dataDir, { recursive: true, force: true });
});

describe('local identity provider over HTTP', () => {
  it('issues a token that the authorizer verifies through the loopback JWKS', async () => {
    // Prepare
    const server = await start();
    const login = await post(server.baseUrl, '/login', form({ username: 'carol', password: 'password3' }));

    // Act
    const verified = await verifierFor(server).verify(String(login.body.token));
    const allowed = await createAuthorizerHandler({ verifier: verifierFor(server) })(
      authorizerEvent({ token: String(login.body.token) }),
    );

    // Assess
    expect(login.status).toBe(200);
    expect(Object.keys(login.body).sort()).toEqual(['expiresIn', 'refreshToken', 'token']);
    expect(login.headers.get('cache-control')).toBe('no-store');
    expect(verified).toEqual({
      success: true,
      data: {
        userId: uuidV5('carol'),
        username: 'carol',
        groups: ['moderator'],
        tokenExpiresAt: expect.any(Number),
      },
    });
    expect(allowed.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: testMethodArn },
    ]);
    expect(allowed.context).toMatchObject({ username: 'carol', groups: '["moderator"]' });
  });

  it('shapes tokens like Cognito access tokens', async () => {
    // Prepare
    const server = await start({ tokenTtlSeconds: 120 });

    // Act
    const login = await post(server.baseUrl, '/login', { username: 'dave', password: 'password4' });

    // Assess
    const token = String(login.body.token);
    expect(decode(token, 0)).toEqual({ alg: 'RS256', kid: server.provider.jwks.keys[0]?.kid, typ: 'JWT' });
    const claims = decode(token, 1);
    expect(claims).toMatchObject({
      iss: server.baseUrl,
      sub: uuidV5('dave'),
      username: 'dave',
      'cognito:groups': ['admin'],
      token_use: 'access',
      client_id: 'parley-local',
      aud: 'parley-local',
      jti: expect.any(String),
    });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(120);
    expect(login.body.expiresIn).toBe(120);
  });

  it('answers a wrong password and an unknown user with the same 401', async () => {
    // Prepare
    const server = await start();

    // Act
    const wrongPassword = await post(
      server.baseUrl,
      '/login',
      form({ username: 'alice', password: 'password2' }),
    );
    const unknownUser = await post(
      server.baseUrl,
      '/login',
      form({ username: 'mallory', password: 'password1' }),
    );

    // Assess
    expect(wrongPassword).toMatchObject({ status: 401, body: { message: 'Invalid username or password' } });
    expect(unknownUser.status).toBe(401);
    expect(unknownUser.body).toEqual(wrongPassword.body);
  });

  it('answers a login without a password with 400, as on AWS', async () => {
    // Prepare
    const server = await start();

    // Act
    const response = await post(server.baseUrl, '/login', new URLSearchParams({ username: 'alice' }));

    // Assess
    expect(response).toMatchObject({ status: 400, body: { message: 'password is required' } });
  });

  it('refreshes, and refuses revoked and unknown refresh tokens', async () => {
    // Prepare
    const server = await start();
    const login = await post(server.baseUrl, '/login', { username: 'bob', password: 'password2' });
    const refreshToken = String(login.body.refreshToken);

    // Act
    const refreshed = await post(server.baseUrl, '/refresh', { refreshToken });
    const verified = await verifierFor(server).verify(String(refreshed.body.token));
    await server.provider.revokeRefreshToken(refreshToken);
    const revoked = await post(server.baseUrl, '/refresh', { refreshToken });
    const unknown = await post(server.baseUrl, '/refresh', form({ refreshToken: 'never-issued' }));

    // Assess
    expect(refreshed.status).toBe(200);
    expect(Object.keys(refreshed.body).sort()).toEqual(['expiresIn', 'token']);
    expect(verified).toMatchObject({ success: true, data: { username: 'bob' } });
    expect(revoked).toMatchObject({ status: 401, body: { message: 'Invalid or expired refresh token' } });
    expect(unknown).toMatchObject({ status: 401, body: { message: 'Invalid or expired refresh token' } });
  });

  it('refuses a refresh token after it expires', async () => {
    // Prepare
    let now = Date.now();
    const server = await start({ refreshTokenTtlSeconds: 60, now: () => now });
    const login = await post(server.baseUrl, '/login', { username: 'bob', password: 'password2' });

    // Act
    now += 61_000;
    const refreshed = await post(server.baseUrl, '/refresh', {
      refreshToken: String(login.body.refreshToken),
    });

    // Assess
    expect(refreshed.status).toBe(401);
  });

  it('serves the JWKS and nothing but its own paths', async () => {
    // Prepare
    const server = await start();

    // Act
    const jwks = await fetch(`${server.baseUrl}/.well-known/jwks.json`);
    const wrongMethod = await fetch(`${server.baseUrl}/login`, { method: 'GET' });
    const elsewhere = await fetch(`${server.baseUrl}/rooms`);

    // Assess
    expect(jwks.status).toBe(200);
    expect(await jwks.json()).toEqual(server.provider.jwks);
    expect(server.provider.jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(server.provider.jwks.keys[0]).not.toHaveProperty('d');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect(elsewhere.status).toBe(404);
  });

  it('gives the authorizer the environment it needs', async () => {
    // Prepare
    const server = await start();

    // Act
    const env = server.provider.authorizerEnv;

    // Assess
    expect(env).toEqual({
      AUTH_MODE: 'oidc',
      OIDC_ISSUER: server.baseUrl,
      OIDC_AUDIENCE: 'parley-local',
      OIDC_JWKS_URI: `${server.baseUrl}/.well-known/jwks.json`,
      OIDC_TOKEN_USE: 'access',
      OIDC_GROUPS_CLAIM: 'cognito:groups',
    });
  });

  it('never logs passwords or tokens', async () => {
    // Prepare
    const server = await start();

    // Act
    const login = await post(server.baseUrl, '/login', form({ username: 'alice', password: 'password1' }));
    await post(server.baseUrl, '/login', form({ username: 'alice', password: 'password9' }));
    await post(server.baseUrl, '/refresh', { refreshToken: String(login.body.refreshToken) });

    // Assess
    const logged = server.logLines.join('\n');
    expect(server.logLines.length).toBeGreaterThanOrEqual(3);
    for (const secret of [
      'password1',
      'password9',
      String(login.body.refreshToken),
      String(login.body.token),
    ]) {
      expect(logged).not.toContain(secret);
    }
  });
});

describe('local identity provider state', () => {
  it('keeps its signing key and refresh tokens across restarts on the same data directory', async () => {
    // Prepare
    const first = await start({ dataDir });
    const login = await post(first.baseUrl, '/login', { username: 'alice', password: 'password1' });
    await first.close();

    // Act
    const second = await start({ dataDir });
    const refreshed = await post(second.baseUrl, '/refresh', {
      refreshToken: String(login.body.refreshToken),
    });

    // Assess
    expect(second.provider.jwks).toEqual(first.provider.jwks);
    expect(second.provider.signingKeyOrigin).toBe(join(dataDir, 'signing-key.pem'));
    expect(refreshed.status).toBe(200);
    // A token from before the restart still verifies against the restarted provider's keys (its `iss`
    // names the first port, so this verifier trusts that issuer; a fixed port keeps `iss` stable too).
    const verifier = createTokenVerifier(
      {
        kind: 'oidc',
        issuer: first.baseUrl,
        audience: ['parley-local'],
        jwksUri: `${first.baseUrl}/.well-known/jwks.json`,
        tokenUse: 'access',
        groupsClaim: 'cognito:groups',
      },
      { fetcher: new LoopbackHttpFetcher() },
    );
    verifier.cacheJwks(second.provider.jwks);
    expect(await verifier.verify(String(login.body.token))).toMatchObject({
      success: true,
      data: { username: 'alice' },
    });
  });

  it('writes nothing to disk without a data directory', async () => {
    // Prepare
    const server = await start();

    // Act
    await post(server.baseUrl, '/login', { username: 'alice', password: 'password1' });

    // Assess
    expect(server.provider.signingKeyOrigin).toBe('memory');
    expect(await readdir(dataDir)).toEqual([]);
  });

  it.each([
    ['a non-loopback http issuer', 'http://192.0.2.10:8787', /http on localhost/],
    ['an issuer with a path', 'http://127.0.0.1:8787/issuer', /no path/],
    ['a relative issuer', '/issuer', /absolute URL/],
  ])('refuses %s', async (_case, issuerUrl, message) => {
    // Act
    const creation = createIdentityProvider({ issuerUrl });

    // Assess
    await expect(creation).rejects.toBeInstanceOf(ConfigurationError);
    await expect(creation).rejects.toThrow(message);
  });
});
