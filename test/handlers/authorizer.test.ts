import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTokenVerifier, maxTokenBytes } from '../../lambdas/adapters/token-verifier.ts';
import type { TokenIssuerConfig } from '../../lambdas/config.ts';
import { fromAuthorizerContext } from '../../lambdas/core/identity.ts';
import { createAuthorizerHandler } from '../../lambdas/handlers/authorizer.ts';
import { authorizerEvent, testMethodArn } from '../fixtures/http-events.ts';
import {
  cognitoAccessClaims,
  cognitoIssuer,
  hs256WithPublicKey,
  jwksOf,
  noneAlgWithSignature,
  nowSeconds,
  oidcAccessClaims,
  oidcAudience,
  oidcIssuer,
  oidcJwksUri,
  rsaKey,
  signJwt,
  staticJwksFetcher,
  tamperSignature,
  testCognitoClientId,
  testUserPoolId,
  truncateToTwoParts,
  unsignedJwt,
} from '../fixtures/jwt.ts';

const key = rsaKey('authorizer-key');
const strangerKey = rsaKey('stranger-key');
const jwks = jwksOf(key);
const now = nowSeconds();

const configs: Record<'oidc' | 'cognito', TokenIssuerConfig> = {
  oidc: {
    kind: 'oidc',
    issuer: oidcIssuer,
    audience: [oidcAudience],
    jwksUri: oidcJwksUri,
    tokenUse: 'access',
  },
  cognito: { kind: 'cognito', userPoolId: testUserPoolId, clientId: testCognitoClientId },
};
const claimsFor = { oidc: oidcAccessClaims, cognito: cognitoAccessClaims };

function authorizerFor(mode: 'oidc' | 'cognito') {
  const verifier = createTokenVerifier(configs[mode], { fetcher: staticJwksFetcher(jwks) });
  verifier.cacheJwks(jwks);
  return createAuthorizerHandler({ verifier });
}

/** Everything written to the console during a test, one entry per call. */
let consoleOutput: string[] = [];

beforeEach(() => {
  consoleOutput = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      consoleOutput.push(args.map(String).join(' '));
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

async function denialOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the authorizer to deny');
}

describe.each(['oidc', 'cognito'] as const)('authorizer (%s mode)', (mode) => {
  const claims = (overrides: Record<string, unknown> = {}) => claimsFor[mode](overrides);

  it('allows a valid token with the identity in the context', async () => {
    // Prepare
    const handler = authorizerFor(mode);
    const token = signJwt(
      key,
      claims({ sub: 'user-42', username: 'dave', 'cognito:groups': ['admin'], exp: now + 900 }),
    );

    // Act
    const result = await handler(authorizerEvent({ token }));

    // Assess
    expect(result).toEqual({
      principalId: 'user-42',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: testMethodArn }],
      },
      context: {
        userId: 'user-42',
        username: 'dave',
        groups: '["admin"]',
        tokenExpiresAt: String(now + 900),
      },
    });
    expect(fromAuthorizerContext(result.context)).toEqual({
      userId: 'user-42',
      username: 'dave',
      groups: ['admin'],
      tokenExpiresAt: now + 900,
    });
    expect(consoleOutput).toEqual([]);
  });

  const wrongAudience = mode === 'oidc' ? { aud: 'someone-else' } : { client_id: 'someone-else' };
  const wrongIssuer = mode === 'oidc' ? 'JwtInvalidIssuerError' : 'ParameterValidationError';

  it.each<[string, string, () => string | undefined]>([
    ['an expired token', 'JwtExpiredError', () => signJwt(key, claims({ exp: now - 10 }))],
    ['a token not yet valid', 'JwtNotBeforeError', () => signJwt(key, claims({ nbf: now + 600 }))],
    ['a wrong issuer', wrongIssuer, () => signJwt(key, claims({ iss: 'https://evil.test' }))],
    [
      'a wrong audience or client',
      mode === 'oidc' ? 'JwtInvalidAudienceError' : 'CognitoJwtInvalidClientIdError',
      () => signJwt(key, claims(wrongAudience)),
    ],
    [
      'a wrong token_use',
      mode === 'oidc' ? 'JwtInvalidTokenUseError' : 'CognitoJwtInvalidTokenUseError',
      () =>
        signJwt(key, claims({ token_use: 'id', aud: mode === 'oidc' ? oidcAudience : testCognitoClientId })),
    ],
    ['alg none', 'JwtParseError', () => unsignedJwt(claims(), key.kid)],
    [
      'alg none with a signature',
      'JwtInvalidSignatureAlgorithmError',
      () => noneAlgWithSignature(claims(), key.kid),
    ],
    ['HS256', 'JwtInvalidSignatureAlgorithmError', () => hs256WithPublicKey(key, claims())],
    ['a bad signature', 'JwtInvalidSignatureError', () => tamperSignature(signJwt(key, claims()))],
    ['an unknown kid', 'KidNotFoundInJwksError', () => signJwt(strangerKey, claims())],
    ['garbage', 'JwtParseError', () => 'garbage.garbage.garbage'],
    ['a truncated token', 'JwtParseError', () => truncateToTwoParts(signJwt(key, claims()))],
    ['an oversize token', 'TokenTooLarge', () => signJwt(key, claims({ pad: 'p'.repeat(maxTokenBytes) }))],
    ['no sub', 'TokenSubjectMissing', () => signJwt(key, claims({ sub: undefined }))],
    ['a jku header', 'TokenHeaderRejected', () => signJwt(key, claims(), { jku: 'https://evil.test/keys' })],
    ['an x5u header', 'TokenHeaderRejected', () => signJwt(key, claims(), { x5u: 'https://evil.test/cert' })],
    [
      'an embedded jwk header',
      'TokenHeaderRejected',
      () => signJwt(strangerKey, claims(), { jwk: strangerKey.jwk }),
    ],
    ['an empty token', 'TokenMissing', () => ''],
  ])('denies %s and logs %s without the token', async (_case, reason, makeToken) => {
    // Prepare
    const handler = authorizerFor(mode);
    const token = makeToken();

    // Act
    const error = await denialOf(handler(authorizerEvent({ token, requestId: 'req-deny-1' })));

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('Unauthorized');
    expect(consoleOutput).toHaveLength(1);
    expect(JSON.parse(consoleOutput[0] ?? '')).toMatchObject({
      message: 'connection denied',
      reason,
      requestId: 'req-deny-1',
    });
    for (const part of (token ?? '').split('.').filter((segment) => segment.length >= 8)) {
      expect(consoleOutput.join('\n')).not.toContain(part);
    }
  });
});

describe('authorizer credential sources', () => {
  it('denies a request with no query string as TokenMissing', async () => {
    // Prepare
    const handler = authorizerFor('oidc');

    // Act
    const error = await denialOf(handler(authorizerEvent({ queryStringParameters: null })));

    // Assess
    expect((error as Error).message).toBe('Unauthorized');
    expect(JSON.parse(consoleOutput[0] ?? '')).toMatchObject({ reason: 'TokenMissing' });
  });

  it('denies two different tokens in the query string as TokenAmbiguous', async () => {
    // Prepare
    const handler = authorizerFor('oidc');
    const first = signJwt(key, oidcAccessClaims({ sub: 'a' }));
    const second = signJwt(key, oidcAccessClaims({ sub: 'b' }));

    // Act
    const error = await denialOf(
      handler(
        authorizerEvent({
          queryStringParameters: { token: second },
          multiValueQueryStringParameters: { token: [first, second] },
        }),
      ),
    );

    // Assess
    expect((error as Error).message).toBe('Unauthorized');
    expect(JSON.parse(consoleOutput[0] ?? '')).toMatchObject({ reason: 'TokenAmbiguous' });
    expect(consoleOutput.join('\n')).not.toContain(first);
  });

  it('ignores a token in a header it does not read', async () => {
    // Prepare
    const handler = authorizerFor('oidc');
    const token = signJwt(key, oidcAccessClaims());

    // Act
    const error = await denialOf(handler(authorizerEvent({ headers: { Authorization: `Bearer ${token}` } })));

    // Assess
    expect((error as Error).message).toBe('Unauthorized');
    expect(consoleOutput.join('\n')).not.toContain(token);
  });

  it('uses injected extractors, so new sources need no authorizer change', async () => {
    // Prepare
    const verifier = createTokenVerifier(configs.oidc, { fetcher: staticJwksFetcher(jwks) });
    verifier.cacheJwks(jwks);
    const handler = createAuthorizerHandler({
      verifier,
      extractors: [
        (request) => {
          const offered = request.headers?.['Sec-WebSocket-Protocol']
            ?.split(',')
            .map((value) => value.trim());
          return offered?.[0] === 'parley.v1' && offered[1]
            ? { kind: 'token', token: offered[1], source: 'subprotocol' }
            : undefined;
        },
      ],
    });
    const token = signJwt(key, oidcAccessClaims({ sub: 'subprotocol-user' }));

    // Act
    const result = await handler(
      authorizerEvent({ headers: { 'Sec-WebSocket-Protocol': `parley.v1, ${token}` } }),
    );

    // Assess
    expect(result.principalId).toBe('subprotocol-user');
  });
});

describe('authorizer faults', () => {
  it('logs an unreachable JWKS as an error and still answers Unauthorized', async () => {
    // Prepare
    const verifier = createTokenVerifier(configs.cognito, {
      fetcher: {
        fetch: async () => {
          throw new Error('getaddrinfo ENOTFOUND cognito-idp.eu-west-1.amazonaws.com');
        },
      },
    });
    const handler = createAuthorizerHandler({ verifier });
    const token = signJwt(key, cognitoAccessClaims({ iss: cognitoIssuer }));

    // Act
    const error = await denialOf(handler(authorizerEvent({ token })));

    // Assess
    expect((error as Error).message).toBe('Unauthorized');
    expect(JSON.parse(consoleOutput[0] ?? '')).toMatchObject({ level: 'ERROR', reason: 'UnexpectedError' });
  });

  it('fails with a configuration error, not Unauthorized, when the environment is incomplete', async () => {
    // Prepare
    vi.stubEnv('AUTH_MODE', 'oidc');
    vi.stubEnv('OIDC_ISSUER', '');
    vi.resetModules();
    const { handler } = await import('../../lambdas/handlers/authorizer.ts');

    // Act
    const error = await denialOf(handler(authorizerEvent({ token: 'a.b.c' })));

    // Assess
    expect((error as Error).name).toBe('ConfigurationError');
    expect((error as Error).message).toMatch(/OIDC_ISSUER is required/);
  });
});
