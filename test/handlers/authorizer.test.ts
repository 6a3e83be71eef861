import { createSecretKey } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  InternalServerError,
} from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FetchError, JwksValidationError, NonRetryableFetchError } from 'aws-jwt-verify/error';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoTicketStore } from '../../lambdas/adapters/dynamo-ticket-store.ts';
import { createTokenVerifier, maxTokenBytes } from '../../lambdas/adapters/token-verifier.ts';
import type { TokenIssuerConfig } from '../../lambdas/config.ts';
import { sealTicket, ticketDigest } from '../../lambdas/core/connection-tickets.ts';
import { AuthorizationUnavailableError } from '../../lambdas/core/errors.ts';
import { fromAuthorizerContext } from '../../lambdas/core/identity.ts';
import { type OriginPolicy, parseAllowedOrigins } from '../../lambdas/core/origin-policy.ts';
import { type AuthorizerDeps, createAuthorizerHandler } from '../../lambdas/handlers/authorizer.ts';
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
import { sealedTicket, strangerTicketKey, testTicketKeySource } from '../fixtures/tickets.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);
/** What the stack's generated secret holds: a random string, at least 32 bytes. */
const ticketKeySecret = 'k'.repeat(32);
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
    groupsClaim: 'cognito:groups',
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
  dynamo.reset();
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: ticketKeySecret });
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
  it('answers an unreachable JWKS with a fault (500), not Unauthorized (401), and logs an error', async () => {
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
    expect(error).toBeInstanceOf(AuthorizationUnavailableError);
    expect((error as Error).message).not.toBe('Unauthorized');
    expect((error as Error).message).toMatch(/could not be checked \(UnexpectedError\)/);
    expect(JSON.parse(consoleOutput[0] ?? '')).toMatchObject({ level: 'ERROR', reason: 'UnexpectedError' });
  });

  it.each([
    [
      'the key set answers with an error status',
      new NonRetryableFetchError(oidcJwksUri, 'Status code is 503'),
      'NonRetryableFetchError',
    ],
    ['the key set cannot be reached', new FetchError(oidcJwksUri, 'connect ECONNREFUSED'), 'FetchError'],
    ['the key set is not a JWKS', new JwksValidationError('JWKS does not have keys'), 'JwksValidationError'],
  ])('answers a fault (500) when %s', async (_case, failure, reason) => {
    // Prepare
    const verifier = createTokenVerifier(configs.oidc, {
      fetcher: {
        fetch: async () => {
          throw failure;
        },
      },
    });
    const handler = createAuthorizerHandler({ verifier });

    // Act
    const error = await denialOf(handler(authorizerEvent({ token: signJwt(key, oidcAccessClaims()) })));

    // Assess
    expect(error).toBeInstanceOf(AuthorizationUnavailableError);
    expect(lastLog()).toMatchObject({ level: 'ERROR', reason });
  });

  it('answers a token the verifier refuses with Unauthorized (401), not a fault', async () => {
    // Prepare
    const handler = createAuthorizerHandler({
      verifier: {
        verify: async () => ({ success: false, error: { reason: 'JwtExpiredError', fault: 'client' } }),
      },
    });

    // Act
    const error = await denialOf(handler(authorizerEvent({ token: 'a.b.c' })));

    // Assess
    expect((error as Error).message).toBe('Unauthorized');
  });

  it('answers a ticket with a fault (500) while the ticket key cannot be read, and leaves tokens alone', async () => {
    // Prepare
    vi.stubEnv('TICKET_KEY_SECRET_ARN', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ticket-key');
    vi.resetModules();
    secrets.on(GetSecretValueCommand).rejects(new Error('Secrets Manager is unreachable'));
    const { handler } = await import('../../lambdas/handlers/authorizer.ts');
    const ticket = sealTicket(createSecretKey(Buffer.from(ticketKeySecret)), now + 30);
    dynamo
      .on(DeleteCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));

    // Act
    const byTicket = await denialOf(handler(authorizerEvent({ ticket })));
    const byToken = await denialOf(handler(authorizerEvent({ token: 'a.b.c' })));
    const malformed = await denialOf(handler(authorizerEvent({ ticket: 'not-a-ticket' })));
    secrets.on(GetSecretValueCommand).resolves({ SecretString: ticketKeySecret });
    const recovered = await denialOf(handler(authorizerEvent({ ticket })));

    // Assess
    expect((byTicket as Error).name).toBe('AuthorizationUnavailableError');
    expect(consoleOutput.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ level: 'ERROR', reason: 'TicketKeyUnavailable', source: 'ticket' }),
    );
    expect((byToken as Error).message).toBe('Unauthorized');
    // Something that is not a ticket is refused before the key is asked for.
    expect((malformed as Error).message).toBe('Unauthorized');
    // The next ticket tries again, reads the key, and reaches the store.
    expect((recovered as Error).message).toBe('Unauthorized');
    expect(lastLog()).toMatchObject({ reason: 'TicketSpent' });
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('answers a ticket with a fault (500) when the ticket key is too short to be a key, never logging it', async () => {
    // Prepare
    vi.stubEnv('TICKET_KEY_SECRET_ARN', 'ticket-key');
    vi.resetModules();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'short-secret' });
    const { handler } = await import('../../lambdas/handlers/authorizer.ts');

    // Act
    const error = await denialOf(handler(authorizerEvent({ ticket: sealedTicket(now + 30) })));

    // Assess
    expect((error as Error).name).toBe('AuthorizationUnavailableError');
    expect(lastLog()).toMatchObject({ level: 'ERROR', reason: 'TicketKeyUnavailable' });
    expect(consoleOutput.join('\n')).not.toContain('short-secret');
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

function oidcVerifier() {
  const verifier = createTokenVerifier(configs.oidc, { fetcher: staticJwksFetcher(jwks) });
  verifier.cacheJwks(jwks);
  return verifier;
}

const ticketStore = () =>
  new DynamoTicketStore(
    DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
    ),
    'parley-test',
  );

function authorizerWith(overrides: Partial<AuthorizerDeps> = {}) {
  return createAuthorizerHandler({
    verifier: oidcVerifier(),
    tickets: { store: ticketStore(), key: testTicketKeySource },
    ...overrides,
  });
}

const tokenFor = (sub: string) => signJwt(key, oidcAccessClaims({ sub }));
const lastLog = () => JSON.parse(consoleOutput.at(-1) ?? '{}') as Record<string, unknown>;

describe('authorizer credential ways', () => {
  it('allows a token offered as a subprotocol next to parley.v1', async () => {
    // Act
    const result = await authorizerWith()(
      authorizerEvent({
        headers: { 'sec-websocket-protocol': `parley.v1, ${tokenFor('subprotocol-user')}` },
      }),
    );

    // Assess
    expect(result.principalId).toBe('subprotocol-user');
    expect(result.context).toMatchObject({ userId: 'subprotocol-user', username: 'carol' });
  });

  it('allows a token in the parley_token cookie among other cookies', async () => {
    // Act
    const result = await authorizerWith()(
      authorizerEvent({ headers: { Cookie: `a=1; parley_token="${tokenFor('cookie-user')}"; b=2` } }),
    );

    // Assess
    expect(result.principalId).toBe('cookie-user');
  });

  it('does not take a lone subprotocol value (parley.v1 not offered) as a credential', async () => {
    // Act
    const error = await denialOf(
      authorizerWith()(authorizerEvent({ headers: { 'Sec-WebSocket-Protocol': tokenFor('lone-user') } })),
    );

    // Assess
    expect((error as Error).message).toBe('Unauthorized');
    expect(lastLog()).toMatchObject({ reason: 'TokenMissing' });
  });

  it('prefers a query token over the ambient cookie', async () => {
    // Act
    const result = await authorizerWith()(
      authorizerEvent({
        token: tokenFor('explicit-user'),
        headers: { Cookie: `parley_token=${tokenFor('cookie-user')}` },
      }),
    );

    // Assess
    expect(result.principalId).toBe('explicit-user');
  });

  it('refuses two different parley_token cookies as TokenAmbiguous', async () => {
    // Act
    const error = await denialOf(
      authorizerWith()(
        authorizerEvent({
          headers: { Cookie: `parley_token=${tokenFor('a')}; parley_token=${tokenFor('b')}` },
        }),
      ),
    );

    // Assess
    expect((error as Error).message).toBe('Unauthorized');
    expect(lastLog()).toMatchObject({ reason: 'TokenAmbiguous', source: 'cookie' });
  });

  it('does not fall back to a weaker source when the credential it found is refused', async () => {
    // Act
    const error = await denialOf(
      authorizerWith()(
        authorizerEvent({ token: 'garbage', headers: { Cookie: `parley_token=${tokenFor('cookie-user')}` } }),
      ),
    );

    // Assess
    expect((error as Error).message).toBe('Unauthorized');
    expect(lastLog()).toMatchObject({ reason: 'JwtParseError', source: 'query' });
  });
});

describe('authorizer tickets', () => {
  const ticket = sealedTicket(now + 30);
  const stored = { userId: 'ticket-user', username: 'erin', groups: ['admin'], tokenExpiresAt: now + 600 };

  it('redeems a ticket with one conditional delete and allows its identity, without a token check', async () => {
    // Prepare
    dynamo.on(DeleteCommand).resolves({ Attributes: { ...stored, validUntil: Date.now() + 10_000 } });
    const verify = vi.fn();

    // Act
    const result = await authorizerWith({ verifier: { verify } })(authorizerEvent({ ticket }));

    // Assess
    expect(result.principalId).toBe('ticket-user');
    expect(fromAuthorizerContext(result.context)).toEqual(stored);
    expect(dynamo).toHaveReceivedCommandTimes(DeleteCommand, 1);
    expect(dynamo).toHaveReceivedCommandWith(DeleteCommand, {
      Key: { pk: `TICKET#${ticketDigest(ticket)}`, sk: 'TICKET' },
      ConditionExpression: 'attribute_exists(pk) AND validUntil > :now',
      ReturnValues: 'ALL_OLD',
    });
    expect(verify).not.toHaveBeenCalled();
  });

  it('refuses the same ticket the second time as TicketSpent', async () => {
    // Prepare
    dynamo
      .on(DeleteCommand)
      .resolvesOnce({ Attributes: { ...stored, validUntil: Date.now() + 10_000 } })
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    const handler = authorizerWith();

    // Act
    const first = await handler(authorizerEvent({ ticket }));
    const replay = await denialOf(handler(authorizerEvent({ ticket, requestId: 'req-replay' })));

    // Assess
    expect(first.principalId).toBe('ticket-user');
    expect((replay as Error).message).toBe('Unauthorized');
    expect(lastLog()).toMatchObject({ reason: 'TicketSpent', source: 'ticket', requestId: 'req-replay' });
  });

  it('refuses tickets as TicketsDisabled when no ticket store is configured', async () => {
    // Act
    const error = await denialOf(
      createAuthorizerHandler({ verifier: oidcVerifier() })(
        authorizerEvent({ ticket, token: tokenFor('u') }),
      ),
    );

    // Assess
    expect((error as Error).message).toBe('Unauthorized');
    expect(lastLog()).toMatchObject({ reason: 'TicketsDisabled', source: 'ticket' });
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('answers a fault (500), not Unauthorized, and logs an error when the table cannot be reached', async () => {
    // Prepare
    dynamo.on(DeleteCommand).rejects(new InternalServerError({ message: 'boom', $metadata: {} }));

    // Act
    const error = await denialOf(authorizerWith()(authorizerEvent({ ticket })));

    // Assess
    expect(error).toBeInstanceOf(AuthorizationUnavailableError);
    expect((error as Error).message).not.toBe('Unauthorized');
    expect(lastLog()).toMatchObject({ level: 'ERROR', reason: 'TicketStoreFailed' });
  });

  it.each([
    ['a forged ticket', () => 'A'.repeat(43), 'TicketForged'],
    ['a ticket sealed under another key', () => sealedTicket(now + 30, strangerTicketKey), 'TicketForged'],
    ['an expired ticket', () => sealedTicket(now - 1), 'TicketExpired'],
    ['a malformed ticket', () => 'not-a-ticket', 'TicketMalformed'],
  ])('refuses %s as %s without touching the table', async (_case, makeTicket, reason) => {
    // Act
    const error = await denialOf(authorizerWith()(authorizerEvent({ ticket: makeTicket() })));

    // Assess
    expect((error as Error).message).toBe('Unauthorized');
    expect(lastLog()).toMatchObject({ reason, source: 'ticket' });
    expect(dynamo.calls()).toHaveLength(0);
  });
});

describe('authorizer origins', () => {
  const origins = (list: string[], allowMissingOrigin = true): OriginPolicy => {
    const parsed = parseAllowedOrigins(list);
    if (!parsed.success) throw new Error(parsed.error.join());
    return { allowedOrigins: parsed.data, allowMissingOrigin };
  };
  const chatOnly = origins(['https://chat.example.com']);

  it('allows a listed origin', async () => {
    // Act
    const result = await authorizerWith({ origins: chatOnly })(
      authorizerEvent({ token: tokenFor('u1'), headers: { Origin: 'https://chat.example.com' } }),
    );

    // Assess
    expect(result.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: testMethodArn },
    ]);
  });

  it('answers an unlisted origin with an explicit Deny (403) before looking at any credential', async () => {
    // Prepare
    const verify = vi.fn();
    dynamo.on(DeleteCommand).resolves({ Attributes: {} });

    // Act
    const result = await authorizerWith({ origins: chatOnly, verifier: { verify } })(
      authorizerEvent({
        ticket: sealedTicket(now + 30),
        token: tokenFor('u1'),
        headers: { origin: 'https://evil.test' },
        requestId: 'req-origin',
      }),
    );

    // Assess
    expect(result).toEqual({
      principalId: 'anonymous',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: testMethodArn }],
      },
    });
    expect(verify).not.toHaveBeenCalled();
    expect(dynamo.calls()).toHaveLength(0);
    expect(consoleOutput.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({
        message: 'connection denied',
        reason: 'OriginNotAllowed',
        requestId: 'req-origin',
      }),
    ]);
  });

  it('denies a handshake without Origin when missing origins are refused', async () => {
    // Act
    const result = await authorizerWith({ origins: origins(['https://chat.example.com'], false) })(
      authorizerEvent({ token: tokenFor('u1') }),
    );

    // Assess
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
    expect(lastLog()).toMatchObject({ reason: 'OriginMissing' });
  });

  it('allows a handshake without Origin by default (non-browser clients)', async () => {
    // Act
    const result = await authorizerWith({ origins: chatOnly })(authorizerEvent({ token: tokenFor('cli') }));

    // Assess
    expect(result.principalId).toBe('cli');
  });
});

describe('authorizer default handler', () => {
  /**
   * The default handler with these variables, in a fresh module graph: OIDC whose http JWKS URI is
   * served by a stub installed as the loopback fetcher, the way the local stack installs its own.
   */
  async function defaultHandlerWith(env: Record<string, string>) {
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    vi.resetModules();
    const verifierModule = await import('../../lambdas/adapters/token-verifier.ts');
    verifierModule.installLoopbackJwksFetcher(staticJwksFetcher(jwks));
    const { handler } = await import('../../lambdas/handlers/authorizer.ts');
    return handler;
  }
  const oidcEnv = {
    AUTH_MODE: 'oidc',
    OIDC_ISSUER: oidcIssuer,
    OIDC_AUDIENCE: oidcAudience,
    OIDC_JWKS_URI: 'http://127.0.0.1:1/.well-known/jwks.json',
    OIDC_TOKEN_USE: 'access',
    OIDC_GROUPS_CLAIM: 'cognito:groups',
    TABLE_NAME: '',
  };

  it('refuses ?token= as QueryTokenDisabled with ALLOW_QUERY_TOKEN=false, and still takes the subprotocol', async () => {
    // Prepare
    const handler = await defaultHandlerWith({ ...oidcEnv, ALLOW_QUERY_TOKEN: 'false' });
    const token = signJwt(key, oidcAccessClaims({ sub: 'query-user' }));

    // Act
    const byQuery = await denialOf(handler(authorizerEvent({ token })));
    const bySubprotocol = await handler(
      authorizerEvent({ headers: { 'Sec-WebSocket-Protocol': `parley.v1, ${token}` } }),
    );

    // Assess
    expect((byQuery as Error).message).toBe('Unauthorized');
    expect(consoleOutput.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ reason: 'QueryTokenDisabled', source: 'query' }),
    );
    expect(bySubprotocol.principalId).toBe('query-user');
  });

  it('accepts ?token= by default', async () => {
    // Prepare
    const handler = await defaultHandlerWith(oidcEnv);

    // Act
    const result = await handler(authorizerEvent({ token: signJwt(key, oidcAccessClaims({ sub: 'q' })) }));

    // Assess
    expect(result.principalId).toBe('q');
  });

  it.each<[string, Record<string, string>, string, 'allowed' | 'TokenMissing']>([
    ['a host-only cookie under its __Host- name', { LOGIN_COOKIE: 'true' }, '__Host-parley_token', 'allowed'],
    [
      'a parley_token cookie a sibling host could plant, when host-only',
      { LOGIN_COOKIE: 'true' },
      'parley_token',
      'TokenMissing',
    ],
    [
      'a Domain cookie under its plain name',
      { LOGIN_COOKIE: 'true', COOKIE_DOMAIN: 'example.com' },
      'parley_token',
      'allowed',
    ],
    ['any cookie when cookie mode is off', { LOGIN_COOKIE: 'false' }, '__Host-parley_token', 'TokenMissing'],
  ])('reads %s', async (_case, env, cookieName, expected) => {
    // Prepare
    const handler = await defaultHandlerWith({ ...oidcEnv, ...env });
    const event = authorizerEvent({
      headers: { Cookie: `${cookieName}=${signJwt(key, oidcAccessClaims({ sub: 'cookie-user' }))}` },
    });

    // Act
    const outcome = await handler(event).then(
      (result) => result.principalId,
      () => lastLog().reason,
    );

    // Assess
    expect(outcome).toBe(expected === 'allowed' ? 'cookie-user' : expected);
  });

  it('reads ALLOWED_ORIGINS, and enables tickets from TABLE_NAME with the key from TICKET_KEY_SECRET_ARN', async () => {
    // Prepare
    vi.stubEnv('TABLE_NAME', 'parley-env');
    vi.stubEnv('TICKET_KEY_SECRET_ARN', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ticket-key');
    vi.stubEnv('ALLOWED_ORIGINS', 'https://chat.example.com');
    vi.stubEnv('ALLOW_MISSING_ORIGIN', 'false');
    vi.resetModules();
    dynamo
      .on(DeleteCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    const { handler } = await import('../../lambdas/handlers/authorizer.ts');

    const ticket = sealTicket(createSecretKey(Buffer.from(ticketKeySecret)), now + 30);

    // Act
    const noOrigin = await handler(authorizerEvent({ ticket }));
    const ticketError = await denialOf(
      handler(authorizerEvent({ ticket, headers: { Origin: 'https://chat.example.com' } })),
    );
    const forged = await denialOf(
      handler(
        authorizerEvent({ ticket: sealedTicket(now + 30), headers: { Origin: 'https://chat.example.com' } }),
      ),
    );

    // Assess
    expect(noOrigin.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
    expect((ticketError as Error).message).toBe('Unauthorized');
    expect((forged as Error).message).toBe('Unauthorized');
    expect(secrets).toHaveReceivedCommandExactlyOnceWith(GetSecretValueCommand, {
      SecretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ticket-key',
    });
    // Only the ticket sealed under the secret's key reached the table.
    expect(dynamo).toHaveReceivedCommandTimes(DeleteCommand, 1);
    expect(dynamo).toHaveReceivedCommandWith(DeleteCommand, { TableName: 'parley-env' });
  });

  it('disables tickets when TABLE_NAME is unset', async () => {
    // Prepare
    vi.stubEnv('TABLE_NAME', '');
    vi.resetModules();
    const { handler } = await import('../../lambdas/handlers/authorizer.ts');

    // Act
    const error = await denialOf(handler(authorizerEvent({ ticket: sealedTicket(now + 30) })));

    // Assess
    expect((error as Error).message).toBe('Unauthorized');
    expect(lastLog()).toMatchObject({ reason: 'TicketsDisabled' });
    expect(secrets.calls()).toHaveLength(0);
  });

  it('lists the problems of every configuration section together', async () => {
    // Prepare
    vi.stubEnv('AUTH_MODE', 'oidc');
    vi.stubEnv('OIDC_ISSUER', '');
    vi.stubEnv('ALLOWED_ORIGINS', 'https://*.example.com');
    vi.stubEnv('TICKET_TTL_SECONDS', '0');
    vi.resetModules();
    const { handler } = await import('../../lambdas/handlers/authorizer.ts');

    // Act
    const error = await denialOf(handler(authorizerEvent({ token: 'a.b.c' })));

    // Assess
    expect((error as Error).name).toBe('ConfigurationError');
    expect((error as Error).message).toMatch(/OIDC_ISSUER is required/);
    expect((error as Error).message).toMatch(/ALLOWED_ORIGINS: wildcards/);
    expect((error as Error).message).toMatch(/TICKET_TTL_SECONDS must be an integer from 1 to 300/);
  });
});
