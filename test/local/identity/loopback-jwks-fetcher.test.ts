import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FetchError, NonRetryableFetchError } from 'aws-jwt-verify/error';
import { afterEach, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../../lambdas/adapters/token-verifier.ts';
import { isLoopbackHttpUrl, LoopbackHttpFetcher } from '../../../local/identity/loopback-jwks-fetcher.ts';
import { jwksOf, oidcAccessClaims, rsaKey, signJwt } from '../../fixtures/jwt.ts';

const key = rsaKey('http-jwks-key');
let server: Server | undefined;

async function serve(listener: RequestListener): Promise<string> {
  server = createServer(listener);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  const running = server;
  server = undefined;
  if (!running) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
});

describe('token verification against a loopback HTTP JWKS', () => {
  it('downloads the JWKS over http://127.0.0.1 and verifies the token', async () => {
    // Prepare
    const requests: string[] = [];
    const base = await serve((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwksOf(key)));
    });
    const verifier = createTokenVerifier(
      {
        kind: 'oidc',
        issuer: base,
        audience: ['parley-test'],
        jwksUri: `${base}/.well-known/jwks.json`,
        tokenUse: 'access',
        groupsClaim: 'groups',
      },
      { fetcher: new LoopbackHttpFetcher() },
    );
    const token = signJwt(key, oidcAccessClaims({ iss: base, aud: 'parley-test', sub: 'loopback-user' }));

    // Act
    const result = await verifier.verify(token);

    // Assess
    expect(result).toMatchObject({ success: true, data: { userId: 'loopback-user' } });
    expect(requests).toEqual(['GET /.well-known/jwks.json']);
  });
});

describe('LoopbackHttpFetcher', () => {
  it('refuses a non-loopback host without connecting', async () => {
    // Prepare
    const fetcher = new LoopbackHttpFetcher();

    // Act
    const attempt = fetcher.fetch('http://192.0.2.1/.well-known/jwks.json');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(NonRetryableFetchError);
  });

  it('turns a non-200 status into a NonRetryableFetchError', async () => {
    // Prepare
    const base = await serve((_req, res) => res.writeHead(404).end('not found'));

    // Act
    const attempt = new LoopbackHttpFetcher().fetch(`${base}/.well-known/jwks.json`);

    // Assess
    await expect(attempt).rejects.toThrow(/Status code is 404/);
  });

  it('does not follow redirects', async () => {
    // Prepare
    const base = await serve((_req, res) =>
      res.writeHead(302, { location: 'https://evil.test/jwks.json' }).end(),
    );

    // Act
    const attempt = new LoopbackHttpFetcher().fetch(`${base}/.well-known/jwks.json`);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(FetchError);
  });

  it('refuses a JWKS larger than the limit', async () => {
    // Prepare
    const base = await serve((_req, res) => res.writeHead(200).end('x'.repeat(2048)));

    // Act
    const attempt = new LoopbackHttpFetcher({ maxBytes: 1024 }).fetch(`${base}/jwks.json`);

    // Assess
    await expect(attempt).rejects.toThrow(/more than the 1024 allowed/);
  });

  it('gives up after the timeout', async () => {
    // Prepare
    const base = await serve(() => {
      // never answers
    });

    // Act
    const attempt = new LoopbackHttpFetcher({ timeoutMs: 100 }).fetch(`${base}/jwks.json`);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(FetchError);
  });

  it.each([
    ['http://localhost:1/x', true],
    ['http://127.0.0.1/x', true],
    ['http://[::1]:8080/x', true],
    ['http://127.0.0.2/x', false],
    ['http://localhost.evil.test/x', false],
    ['http://127.0.0.1.nip.io/x', false],
    ['https://127.0.0.1/x', false],
    ['http://user@evil.test/x', false],
  ])('classifies %s as loopback HTTP: %s', (url, expected) => {
    // Act
    const loopback = isLoopbackHttpUrl(url);

    // Assess
    expect(loopback).toBe(expected);
  });
});
