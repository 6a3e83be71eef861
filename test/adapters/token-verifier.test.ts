import { afterEach, describe, expect, it } from 'vitest';
import {
  createTokenVerifier,
  installLoopbackJwksFetcher,
  type JwtTokenVerifier,
  maxTokenBytes,
} from '../../lambdas/adapters/token-verifier.ts';
import type { TokenIssuerConfig } from '../../lambdas/config.ts';
import { ConfigurationError } from '../../lambdas/core/errors.ts';
import {
  cognitoAccessClaims,
  cognitoIssuer,
  ecKey,
  ed25519Key,
  hs256WithPublicKey,
  jwksOf,
  noneAlgWithSignature,
  nowSeconds,
  oidcAccessClaims,
  oidcAudience,
  oidcIssuer,
  oidcJwksUri,
  replaceClaims,
  rsaKey,
  signJwt,
  staticJwksFetcher,
  tamperSignature,
  testCognitoClientId,
  testUserPoolId,
  truncateToTwoParts,
  unsignedJwt,
} from '../fixtures/jwt.ts';

const key = rsaKey('rsa-key-1');
const otherKey = rsaKey('rsa-key-1'); // same kid, different key: a forged signature
const unpublishedKey = rsaKey('rsa-key-unpublished');
const ec = ecKey('ec-key-1');
const ed = ed25519Key('ed-key-1');
const jwks = jwksOf(key, ec, ed);

const oidcConfig: Extract<TokenIssuerConfig, { kind: 'oidc' }> = {
  kind: 'oidc',
  issuer: oidcIssuer,
  audience: [oidcAudience],
  jwksUri: oidcJwksUri,
  tokenUse: 'access',
  groupsClaim: 'cognito:groups',
};
const cognitoConfig: TokenIssuerConfig = {
  kind: 'cognito',
  userPoolId: testUserPoolId,
  clientId: testCognitoClientId,
};

/** A verifier with the test JWKS cached; a cache miss "downloads" the same JWKS from memory. */
function verifierFor(config: TokenIssuerConfig): JwtTokenVerifier {
  const verifier = createTokenVerifier(config, { fetcher: staticJwksFetcher(jwks) });
  verifier.cacheJwks(jwks);
  return verifier;
}

const now = nowSeconds();
const oidc = (overrides: Record<string, unknown> = {}) => oidcAccessClaims(overrides);

describe('createTokenVerifier in OIDC mode', () => {
  it('returns the identity of a valid RS256 access token', async () => {
    // Prepare
    const verifier = verifierFor(oidcConfig);
    const token = signJwt(key, oidc({ sub: 'user-9', username: 'carol', exp: now + 600 }));

    // Act
    const result = await verifier.verify(token);

    // Assess
    expect(result).toEqual({
      success: true,
      data: { userId: 'user-9', username: 'carol', groups: ['moderator'], tokenExpiresAt: now + 600 },
    });
  });

  it.each([
    ['ES256', ec],
    ['EdDSA (Ed25519)', ed],
  ])('accepts tokens signed with %s', async (_name, signingKey) => {
    // Prepare
    const verifier = verifierFor(oidcConfig);

    // Act
    const result = await verifier.verify(signJwt(signingKey, oidc()));

    // Assess
    expect(result.success).toBe(true);
  });

  it.each<[string, string, () => string | undefined]>([
    ['no token', 'TokenMissing', () => undefined],
    ['an empty token', 'TokenMissing', () => ''],
    ['garbage', 'JwtParseError', () => 'not-a-jwt'],
    ['a token cut before its signature', 'JwtParseError', () => truncateToTwoParts(signJwt(key, oidc()))],
    [
      'a token with a shortened signature',
      'JwtInvalidSignatureError',
      () => signJwt(key, oidc()).slice(0, -12),
    ],
    ['an expired token', 'JwtExpiredError', () => signJwt(key, oidc({ exp: now - 5 }))],
    ['a token not yet valid (nbf)', 'JwtNotBeforeError', () => signJwt(key, oidc({ nbf: now + 600 }))],
    ['a wrong issuer', 'JwtInvalidIssuerError', () => signJwt(key, oidc({ iss: 'https://evil.test' }))],
    ['a wrong audience', 'JwtInvalidAudienceError', () => signJwt(key, oidc({ aud: 'another-client' }))],
    ['an ID token', 'JwtInvalidTokenUseError', () => signJwt(key, oidc({ token_use: 'id' }))],
    ['no token_use', 'JwtInvalidTokenUseError', () => signJwt(key, oidc({ token_use: undefined }))],
    ['alg none without signature', 'JwtParseError', () => unsignedJwt(oidc(), key.kid)],
    [
      'alg none with a signature',
      'JwtInvalidSignatureAlgorithmError',
      () => noneAlgWithSignature(oidc(), key.kid),
    ],
    [
      'HS256 keyed with the public key',
      'JwtInvalidSignatureAlgorithmError',
      () => hs256WithPublicKey(key, oidc()),
    ],
    ['a tampered signature', 'JwtInvalidSignatureError', () => tamperSignature(signJwt(key, oidc()))],
    [
      'claims swapped under a valid signature',
      'JwtInvalidSignatureError',
      () => replaceClaims(signJwt(key, oidc()), oidc({ sub: 'admin' })),
    ],
    [
      'a signature by another key with the same kid',
      'JwtInvalidSignatureError',
      () => signJwt(otherKey, oidc()),
    ],
    ['an unknown kid', 'KidNotFoundInJwksError', () => signJwt(unpublishedKey, oidc())],
    ['no kid', 'JwtWithoutValidKidError', () => signJwt(key, oidc(), { kid: undefined })],
    ['no sub', 'TokenSubjectMissing', () => signJwt(key, oidc({ sub: undefined }))],
    ['an empty sub', 'TokenSubjectMissing', () => signJwt(key, oidc({ sub: '' }))],
    ['no exp', 'TokenExpiryMissing', () => signJwt(key, oidc({ exp: undefined }))],
    [
      'a jku header',
      'TokenHeaderRejected',
      () => signJwt(key, oidc(), { jku: 'https://evil.test/jwks.json' }),
    ],
    [
      'an x5u header',
      'TokenHeaderRejected',
      () => signJwt(key, oidc(), { x5u: 'https://evil.test/cert.pem' }),
    ],
    ['an x5c header', 'TokenHeaderRejected', () => signJwt(key, oidc(), { x5c: ['MIIB'] })],
    ['an embedded jwk', 'TokenHeaderRejected', () => signJwt(key, oidc(), { jwk: key.jwk })],
    ['a crit header', 'TokenHeaderRejected', () => signJwt(key, oidc(), { crit: ['exp'] })],
    ['more than 8 KB', 'TokenTooLarge', () => signJwt(key, oidc({ padding: 'x'.repeat(maxTokenBytes) }))],
  ])('refuses %s with reason %s', async (_case, reason, makeToken) => {
    // Prepare
    const verifier = verifierFor(oidcConfig);

    // Act
    const result = await verifier.verify(makeToken());

    // Assess
    expect(result).toEqual({ success: false, error: { reason, fault: 'client' } });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['username first', { username: 'u', 'cognito:username': 'c', preferred_username: 'p' }, 'u'],
    ['then cognito:username', { username: undefined, 'cognito:username': 'c', preferred_username: 'p' }, 'c'],
    ['then preferred_username', { username: undefined, preferred_username: 'p' }, 'p'],
    ['then sub', { username: undefined, sub: 'only-sub' }, 'only-sub'],
    ['skipping empty names', { username: '', preferred_username: 'p' }, 'p'],
  ])('takes the display name from %s', async (_case, claims, username) => {
    // Prepare
    const verifier = verifierFor(oidcConfig);

    // Act
    const result = await verifier.verify(signJwt(key, oidc(claims)));

    // Assess
    expect(result).toMatchObject({ success: true, data: { username } });
  });

  it.each<[string, string, Record<string, unknown>, string[]]>([
    ['the configured claim', 'cognito:groups', { 'cognito:groups': ['a'], groups: ['b'] }, ['a']],
    ['another configured claim', 'roles', { 'cognito:groups': ['a'], roles: ['admin'] }, ['admin']],
    [
      'the configured claim only, not groups',
      'cognito:groups',
      { 'cognito:groups': undefined, groups: ['admin'] },
      [],
    ],
    ['the configured claim only, not cognito:groups', 'groups', { 'cognito:groups': ['admin'] }, []],
    ['no group claim', 'cognito:groups', { 'cognito:groups': undefined }, []],
    ['a string instead of an array', 'cognito:groups', { 'cognito:groups': 'admin' }, []],
    ['an array with a non-string', 'cognito:groups', { 'cognito:groups': ['admin', 1] }, []],
    ['an inherited property name', '__proto__', { 'cognito:groups': ['admin'] }, []],
  ])('reads groups from %s (%s)', async (_case, groupsClaim, claims, groups) => {
    // Prepare
    const verifier = verifierFor({ ...oidcConfig, groupsClaim });

    // Act
    const result = await verifier.verify(signJwt(key, oidc(claims)));

    // Assess
    expect(result).toMatchObject({ success: true, data: { groups } });
  });

  it('reads groups from cognito:groups alone in Cognito mode', async () => {
    // Prepare
    const verifier = verifierFor(cognitoConfig);

    // Act
    const result = await verifier.verify(signJwt(key, cognitoAccessClaims({ groups: ['admin'] })));

    // Assess
    expect(result).toMatchObject({ success: true, data: { groups: [] } });
  });

  it('accepts a token just under the size limit', async () => {
    // Prepare
    const verifier = verifierFor(oidcConfig);
    const base = signJwt(key, oidc({ padding: '' }));
    const token = signJwt(
      key,
      oidc({ padding: 'x'.repeat(Math.floor(((maxTokenBytes - base.length) * 3) / 4) - 4) }),
    );

    // Act
    const result = await verifier.verify(token);

    // Assess
    expect(token.length).toBeLessThanOrEqual(maxTokenBytes);
    expect(token.length).toBeGreaterThan(maxTokenBytes - 16);
    expect(result.success).toBe(true);
  });

  it('does not check token_use when the check is explicitly off', async () => {
    // Prepare
    const verifier = verifierFor({ ...oidcConfig, tokenUse: null });

    // Act
    const result = await verifier.verify(signJwt(key, oidc({ token_use: 'id' })));

    // Assess
    expect(result.success).toBe(true);
  });

  it('refuses a header trick before fetching any key', async () => {
    // Prepare
    const fetcher = staticJwksFetcher(jwks);
    const verifier = createTokenVerifier(oidcConfig, { fetcher });

    // Act
    const result = await verifier.verify(
      signJwt(unpublishedKey, oidc(), { jku: 'https://evil.test/jwks.json' }),
    );

    // Assess
    expect(result.success).toBe(false);
    expect(fetcher.calls).toEqual([]);
  });

  it('fetches the JWKS from the configured URI on a cache miss, never from the token', async () => {
    // Prepare
    const fetcher = staticJwksFetcher(jwks);
    const verifier = createTokenVerifier(oidcConfig, { fetcher });

    // Act
    const result = await verifier.verify(signJwt(key, oidc({ iss: oidcIssuer })));

    // Assess
    expect(result.success).toBe(true);
    expect(fetcher.calls).toEqual([oidcJwksUri]);
  });

  it('reports an unreachable JWKS as a server fault', async () => {
    // Prepare
    const verifier = createTokenVerifier(oidcConfig, {
      fetcher: {
        fetch: async () => {
          throw new Error('connect ECONNREFUSED');
        },
      },
    });

    // Act
    const result = await verifier.verify(signJwt(key, oidc()));

    // Assess
    expect(result).toEqual({ success: false, error: { reason: 'UnexpectedError', fault: 'server' } });
  });

  it('tolerates clock skew within graceSeconds', async () => {
    // Prepare
    const verifier = createTokenVerifier(oidcConfig, { fetcher: staticJwksFetcher(jwks), graceSeconds: 30 });
    verifier.cacheJwks(jwks);

    // Act
    const result = await verifier.verify(signJwt(key, oidc({ exp: now - 5 })));

    // Assess
    expect(result.success).toBe(true);
  });
});

describe('createTokenVerifier in Cognito mode', () => {
  const cognito = (overrides: Record<string, unknown> = {}) => cognitoAccessClaims(overrides);

  it('returns the identity of a valid Cognito access token', async () => {
    // Prepare
    const verifier = verifierFor(cognitoConfig);
    const token = signJwt(key, cognito({ 'cognito:groups': ['admin'], exp: now + 900 }));

    // Act
    const result = await verifier.verify(token);

    // Assess
    expect(result).toEqual({
      success: true,
      data: {
        userId: '0b5e3c2a-8f1d-4e7a-9c6b-1a2b3c4d5e6f',
        username: 'alice',
        groups: ['admin'],
        tokenExpiresAt: now + 900,
      },
    });
  });

  it.each<[string, string, () => string]>([
    [
      'an ID token',
      'CognitoJwtInvalidTokenUseError',
      () => signJwt(key, cognito({ token_use: 'id', aud: testCognitoClientId })),
    ],
    [
      'another app client',
      'CognitoJwtInvalidClientIdError',
      () => signJwt(key, cognito({ client_id: 'someone-else' })),
    ],
    [
      'another user pool',
      'ParameterValidationError',
      () => signJwt(key, cognito({ iss: `${cognitoIssuer}x` })),
    ],
    ['an expired token', 'JwtExpiredError', () => signJwt(key, cognito({ exp: now - 1 }))],
    [
      'HS256 keyed with the public key',
      'JwtInvalidSignatureAlgorithmError',
      () => hs256WithPublicKey(key, cognito()),
    ],
    ['an unknown kid', 'KidNotFoundInJwksError', () => signJwt(unpublishedKey, cognito())],
  ])('refuses %s with reason %s', async (_case, reason, makeToken) => {
    // Prepare
    const verifier = verifierFor(cognitoConfig);

    // Act
    const result = await verifier.verify(makeToken());

    // Assess
    expect(result).toEqual({ success: false, error: { reason, fault: 'client' } });
  });

  it('accepts the multi-Region issuer form of the same user pool', async () => {
    // Prepare
    const verifier = verifierFor(cognitoConfig);
    const globalIssuer = cognitoIssuer.replace('https://cognito-idp.', 'https://issuer-cognito-idp.');

    // Act
    const result = await verifier.verify(signJwt(key, cognito({ iss: globalIssuer })));

    // Assess
    expect(result.success).toBe(true);
  });

  it('looks keys up at the user pool JWKS URI', async () => {
    // Prepare
    const fetcher = staticJwksFetcher(jwks);
    const verifier = createTokenVerifier(cognitoConfig, { fetcher });

    // Act
    await verifier.verify(signJwt(key, cognito()));

    // Assess
    expect(fetcher.calls).toEqual([`${cognitoIssuer}/.well-known/jwks.json`]);
  });
});

describe('createTokenVerifier configuration', () => {
  afterEach(() => installLoopbackJwksFetcher(undefined));

  it.each([
    'http://issuer.example.com/.well-known/jwks.json',
    'http://10.0.0.5/.well-known/jwks.json',
    'http://127.0.0.1:8787/.well-known/jwks.json',
    'http://localhost:8787/.well-known/jwks.json',
    'ftp://127.0.0.1/jwks.json',
    'not a url',
  ])('refuses the JWKS URI %s when no loopback fetcher is installed', (jwksUri) => {
    // Act
    const create = () => createTokenVerifier({ ...oidcConfig, jwksUri });

    // Assess
    expect(create).toThrow(ConfigurationError);
    expect(create).toThrow(/OIDC_JWKS_URI must be an https:\/\/ URL/);
  });

  it('accepts an https JWKS URI', () => {
    // Act
    const create = () =>
      createTokenVerifier({ ...oidcConfig, jwksUri: 'https://issuer.example.com/.well-known/jwks.json' });

    // Assess
    expect(create).not.toThrow();
  });

  it('fetches an http JWKS with the loopback fetcher the local stack installs, and only then', async () => {
    // Prepare
    const fetcher = staticJwksFetcher(jwks);
    const jwksUri = 'http://127.0.0.1:8787/.well-known/jwks.json';
    installLoopbackJwksFetcher(fetcher);

    // Act
    const verifier = createTokenVerifier({ ...oidcConfig, jwksUri });
    const result = await verifier.verify(signJwt(key, oidc()));

    // Assess
    expect(result.success).toBe(true);
    expect(fetcher.calls).toEqual([jwksUri]);
  });

  it('refuses a malformed user pool id at creation', () => {
    // Act
    const create = () => createTokenVerifier({ ...cognitoConfig, userPoolId: 'not-a-pool' });

    // Assess
    expect(create).toThrow(ConfigurationError);
  });
});
