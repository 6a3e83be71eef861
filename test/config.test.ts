import { describe, expect, it } from 'vitest';
import {
  loadAuthConfig,
  loadAuthorizerConfig,
  loadCredentialSourceConfig,
  loadTicketConfig,
  loadTokenCookieConfig,
} from '../lambdas/config.ts';

const oidc = {
  AUTH_MODE: 'oidc',
  OIDC_ISSUER: 'https://auth.example.com',
  OIDC_AUDIENCE: 'parley',
  OIDC_TOKEN_USE: 'access',
};

/** The problems a loader throws with, or [] when it accepts the environment. */
function problemsOf(load: () => unknown): string[] {
  try {
    load();
    return [];
  } catch (error) {
    return (error as { problems?: string[] }).problems ?? [String(error)];
  }
}

describe('loadAuthConfig in OIDC mode', () => {
  it('reads the issuer, the required token_use and the groups claim (default groups)', () => {
    // Act
    const config = loadAuthConfig({ ...oidc, OIDC_GROUPS_CLAIM: 'roles' });
    const defaulted = loadAuthConfig(oidc);

    // Assess
    expect(config.issuer).toEqual({
      kind: 'oidc',
      issuer: 'https://auth.example.com',
      audience: ['parley'],
      jwksUri: 'https://auth.example.com/.well-known/jwks.json',
      tokenUse: 'access',
      groupsClaim: 'roles',
    });
    expect(defaulted.issuer).toMatchObject({ groupsClaim: 'groups' });
  });

  it('requires OIDC_TOKEN_USE, and turns the check off only when told "none"', () => {
    // Act
    const { OIDC_TOKEN_USE: _omitted, ...withoutTokenUse } = oidc;
    const missing = problemsOf(() => loadAuthConfig(withoutTokenUse));
    const off = loadAuthConfig({ ...oidc, OIDC_TOKEN_USE: 'none' });

    // Assess
    expect(missing).toEqual([
      'OIDC_TOKEN_USE is required: the token_use claim value to require (e.g. "access"), or "none" to turn the check off',
    ]);
    expect(off.issuer).toMatchObject({ tokenUse: null });
  });

  it.each([
    ['http://auth.example.com/keys', true],
    ['ftp://auth.example.com/keys', true],
    ['not a url', true],
    ['http://127.0.0.1:8787/.well-known/jwks.json', false],
    ['https://auth.example.com/keys', false],
  ])('checks the JWKS URI %s (refused: %s)', (jwksUri, refused) => {
    // Act
    const problems = problemsOf(() => loadAuthConfig({ ...oidc, OIDC_JWKS_URI: jwksUri }));

    // Assess
    expect(problems).toEqual(
      refused
        ? [
            `OIDC_JWKS_URI must be an https:// URL (http:// only on localhost, 127.0.0.1 or [::1], for the local stack), got "${jwksUri}"`,
          ]
        : [],
    );
  });

  it('refuses a groups claim that cannot be a claim name', () => {
    // Act
    const problems = problemsOf(() => loadAuthConfig({ ...oidc, OIDC_GROUPS_CLAIM: 'two words' }));

    // Assess
    expect(problems).toEqual([
      'OIDC_GROUPS_CLAIM must be a claim name of 1 to 128 visible characters, got "two words"',
    ]);
  });
});

describe('loadTokenCookieConfig', () => {
  it('keeps tokens in bodies by default and turns cookie-only mode on with TOKENS_IN_BODY=false', () => {
    // Act
    const defaults = loadTokenCookieConfig({});
    const cookieOnly = loadTokenCookieConfig({ LOGIN_COOKIE: 'true', TOKENS_IN_BODY: 'false' });

    // Assess
    expect(defaults).toEqual({ enabled: false, tokensInBody: true });
    expect(cookieOnly).toEqual({ enabled: true, tokensInBody: false });
  });

  it.each([
    [
      { TOKENS_IN_BODY: 'false' },
      'TOKENS_IN_BODY=false needs LOGIN_COOKIE=true: otherwise no response would carry the tokens',
    ],
    [{ LOGIN_COOKIE: 'true', TOKENS_IN_BODY: 'no' }, 'TOKENS_IN_BODY must be one of true, false, got "no"'],
  ])('refuses %j', (env, problem) => {
    // Act / Assess
    expect(problemsOf(() => loadTokenCookieConfig(env))).toEqual([problem]);
  });
});

describe('loadCredentialSourceConfig', () => {
  it('accepts ?token= unless ALLOW_QUERY_TOKEN=false, and reads cookie mode', () => {
    // Act / Assess
    expect(loadCredentialSourceConfig({})).toEqual({
      allowQueryToken: true,
      cookie: { enabled: false, tokensInBody: true },
    });
    expect(loadCredentialSourceConfig({ ALLOW_QUERY_TOKEN: 'false', LOGIN_COOKIE: 'true' })).toEqual({
      allowQueryToken: false,
      cookie: { enabled: true, tokensInBody: true },
    });
    expect(problemsOf(() => loadCredentialSourceConfig({ ALLOW_QUERY_TOKEN: 'off' }))).toEqual([
      'ALLOW_QUERY_TOKEN must be one of true, false, got "off"',
    ]);
  });
});

describe('loadTicketConfig', () => {
  it('needs the ticket key secret whenever tickets are on, and never takes a key in the environment', () => {
    // Act
    const disabled = loadTicketConfig({});
    const enabled = loadTicketConfig({ TABLE_NAME: 't', TICKET_KEY_SECRET_ARN: 'arn:secret' });
    const keyless = problemsOf(() => loadTicketConfig({ TABLE_NAME: 't' }));
    const required = problemsOf(() => loadTicketConfig({}, { tableRequired: true }));

    // Assess
    expect(disabled).toEqual({ store: undefined, ttlSeconds: 30 });
    expect(enabled).toEqual({ store: { tableName: 't', keySecretId: 'arn:secret' }, ttlSeconds: 30 });
    expect(keyless).toEqual(['TICKET_KEY_SECRET_ARN is required']);
    expect(required).toEqual(['TABLE_NAME is required', 'TICKET_KEY_SECRET_ARN is required']);
  });
});

describe('loadAuthorizerConfig', () => {
  it('lists the problems of every section together, the new ones included', () => {
    // Act
    const problems = problemsOf(() =>
      loadAuthorizerConfig({
        AUTH_MODE: 'oidc',
        OIDC_ISSUER: 'https://auth.example.com',
        OIDC_AUDIENCE: 'parley',
        TABLE_NAME: 't',
        ALLOW_QUERY_TOKEN: 'maybe',
      }),
    );

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^OIDC_TOKEN_USE is required/),
      'TICKET_KEY_SECRET_ARN is required',
      'ALLOW_QUERY_TOKEN must be one of true, false, got "maybe"',
    ]);
  });
});
