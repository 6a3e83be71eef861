/**
 * The hostile-handshake matrix: every broken or forged token, presented every way Parley accepts one
 * (query string, subprotocol, cookie, and the Bearer token of POST /ticket), is refused with 401, writes
 * nothing, and is logged as its reason's name only. Then one sweep over every auth handler proves that
 * no token, password, refresh token or ticket ever reaches a log line.
 */
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  InternalErrorException,
  NotAuthorizedException,
  RevokeTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CognitoPasswordAuthenticator } from '../../lambdas/adapters/cognito-password-auth.ts';
import { DynamoTicketStore } from '../../lambdas/adapters/dynamo-ticket-store.ts';
import { createTokenVerifier } from '../../lambdas/adapters/token-verifier.ts';
import type { TokenIssuerConfig } from '../../lambdas/config.ts';
import { createAuthorizerHandler } from '../../lambdas/handlers/authorizer.ts';
import { createLoginHandler } from '../../lambdas/handlers/login.ts';
import { createLogoutHandler } from '../../lambdas/handlers/logout.ts';
import { createRefreshHandler } from '../../lambdas/handlers/refresh.ts';
import { createTicketHandler } from '../../lambdas/handlers/ticket.ts';
import { MemoryLoginFailureLog } from '../../local/identity/memory-login-failures.ts';
import {
  authorizerEvent,
  jsonBody,
  loginEvent,
  logoutEvent,
  refreshEvent,
  ticketEvent,
} from '../fixtures/http-events.ts';
import {
  hostileTokenCases,
  jwksOf,
  oidcAccessClaims,
  oidcAudience,
  oidcIssuer,
  oidcJwksUri,
  rsaKey,
  secretFragments,
  signJwt,
  staticJwksFetcher,
  testCognitoClientId,
  testUserPoolId,
} from '../fixtures/jwt.ts';
import { sealedTicket, strangerTicketKey, testTicketKeySource } from '../fixtures/tickets.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const cognito = mockClient(CognitoIdentityProviderClient);
const key = rsaKey('matrix-key');
const stranger = rsaKey('matrix-stranger');
const jwks = jwksOf(key);
const modes = ['oidc', 'cognito'] as const;

const configs: Record<(typeof modes)[number], TokenIssuerConfig> = {
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

function verifierFor(mode: (typeof modes)[number]) {
  const verifier = createTokenVerifier(configs[mode], { fetcher: staticJwksFetcher(jwks) });
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

/** Handlers built with their default loggers, which write to the console: the output captured below. */
const authorizerFor = (mode: (typeof modes)[number]) =>
  createAuthorizerHandler({
    verifier: verifierFor(mode),
    tickets: { store: ticketStore(), key: testTicketKeySource },
  });
const ticketHandlerFor = (mode: (typeof modes)[number]) =>
  createTicketHandler({
    verifier: verifierFor(mode),
    tickets: ticketStore(),
    ticketKey: testTicketKeySource,
  });

/** The three ways a token reaches the authorizer. */
const handshakeWays = {
  query: (token: string) => authorizerEvent({ token, requestId: 'req-matrix' }),
  subprotocol: (token: string) =>
    authorizerEvent({
      headers: { 'Sec-WebSocket-Protocol': `parley.v1, ${token}` },
      requestId: 'req-matrix',
    }),
  cookie: (token: string) =>
    authorizerEvent({ headers: { Cookie: `theme=dark; parley_token=${token}` }, requestId: 'req-matrix' }),
} as const;

/** Everything written to the console during a test, one entry per call. */
let consoleOutput: string[] = [];

beforeEach(() => {
  dynamo.reset();
  cognito.reset();
  consoleOutput = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      consoleOutput.push(args.map(String).join(' '));
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal');
}

/** A refusal log line may carry these fields and nothing else. */
const allowedLogFields = new Set(['level', 'message', 'time', 'function', 'reason', 'source', 'requestId']);

function expectOnlyTheReasonLogged(reason: string, secret: string) {
  expect(consoleOutput).toHaveLength(1);
  const line = JSON.parse(consoleOutput[0] ?? '{}') as Record<string, unknown>;
  expect(line.reason).toBe(reason);
  expect(Object.keys(line).filter((field) => !allowedLogFields.has(field))).toEqual([]);
  for (const fragment of secretFragments(secret)) expect(consoleOutput.join('\n')).not.toContain(fragment);
}

describe.each(modes)('hostile handshakes (%s issuer)', (mode) => {
  const cases = hostileTokenCases(mode, key, stranger).map(
    (entry) => [entry.name, entry.reason, entry.token] as const,
  );

  describe.each(Object.keys(handshakeWays) as (keyof typeof handshakeWays)[])('token in the %s', (way) => {
    it.each(cases)('refuses %s with 401, writes nothing, logs only %s', async (_case, reason, makeToken) => {
      // Prepare
      const token = makeToken();

      // Act
      const error = await rejectionOf(authorizerFor(mode)(handshakeWays[way](token)));

      // Assess
      expect(error.message).toBe('Unauthorized');
      expect(dynamo.calls()).toHaveLength(0);
      expectOnlyTheReasonLogged(reason, token);
      const line = JSON.parse(consoleOutput[0] ?? '{}');
      expect(line).toMatchObject({ message: 'connection denied', requestId: 'req-matrix' });
      // An empty value is no credential at all, so it has no source.
      if (reason !== 'TokenMissing') expect(line.source).toBe(way);
    });
  });

  describe('Bearer token of POST /ticket', () => {
    it.each(cases)('refuses %s with 401, issues nothing, logs only %s', async (_case, reason, makeToken) => {
      // Prepare
      const token = makeToken();

      // Act
      const response = await ticketHandlerFor(mode)(ticketEvent(token));

      // Assess
      expect(response.statusCode).toBe(401);
      expect(JSON.parse(response.body ?? '')).toEqual({ message: expect.any(String) });
      expect(response.headers?.['www-authenticate']).toMatch(/^Bearer/);
      expect(dynamo.calls()).toHaveLength(0);
      expectOnlyTheReasonLogged(reason, token);
      expect(JSON.stringify(response)).not.toContain(token || 'no token');
    });
  });

  it('refuses a handshake with no credential at all as TokenMissing', async () => {
    // Act
    const error = await rejectionOf(authorizerFor(mode)(authorizerEvent({ requestId: 'req-matrix' })));

    // Assess
    expect(error.message).toBe('Unauthorized');
    expect(JSON.parse(consoleOutput[0] ?? '{}')).toMatchObject({ reason: 'TokenMissing' });
    expect(dynamo.calls()).toHaveLength(0);
  });
});

describe('hostile tickets', () => {
  const conditionFailed = () =>
    new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

  const nowSeconds = Math.floor(Date.now() / 1000);

  it.each([
    ['garbage', 'TicketMalformed', 'garbage'],
    ['an oversized ticket', 'TicketMalformed', 'A'.repeat(10_000)],
    ['a ticket with a forbidden character', 'TicketMalformed', `${'A'.repeat(42)}=`],
    ['a JWT instead of a ticket', 'TicketMalformed', signJwt(key, oidcAccessClaims())],
    ['a well-formed guess', 'TicketForged', `${'B'.repeat(42)}A`],
    ['a ticket sealed under another key', 'TicketForged', sealedTicket(nowSeconds + 30, strangerTicketKey)],
    ['an expired ticket', 'TicketExpired', sealedTicket(nowSeconds - 1)],
  ])('refuses %s as %s without touching the table', async (_case, reason, ticket) => {
    // Act
    const error = await rejectionOf(
      authorizerFor('oidc')(authorizerEvent({ ticket, requestId: 'req-matrix' })),
    );

    // Assess
    expect(error.message).toBe('Unauthorized');
    expect(dynamo.calls()).toHaveLength(0);
    expectOnlyTheReasonLogged(reason, ticket);
  });

  it('refuses a sealed ticket no longer stored (the conditional delete fails) as TicketSpent', async () => {
    // Prepare
    dynamo.on(DeleteCommand).rejects(conditionFailed());
    const ticket = sealedTicket(nowSeconds + 30);

    // Act
    const error = await rejectionOf(
      authorizerFor('oidc')(authorizerEvent({ ticket, requestId: 'req-matrix' })),
    );

    // Assess
    expect(error.message).toBe('Unauthorized');
    expect(dynamo).toHaveReceivedCommandTimes(DeleteCommand, 1);
    expect(dynamo).not.toHaveReceivedCommand(PutCommand);
    expectOnlyTheReasonLogged('TicketSpent', ticket);
  });
});

describe('no secret ever reaches a log line', () => {
  it('holds over the whole matrix and every auth handler', async () => {
    // Prepare
    const secrets: string[] = [];
    const password = 'correct-horse-battery-staple';
    const refreshToken = 'eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.refresh-token-body-000000';
    secrets.push(password, refreshToken);
    const cognitoClient = new CognitoIdentityProviderClient({ region: 'eu-west-1' });
    const authenticator = new CognitoPasswordAuthenticator({
      client: cognitoClient,
      clientId: testCognitoClientId,
      // The adapter's own logger also writes to the console.
      logger: { info: console.log, warn: console.log, error: console.log },
    });
    const issuedToken = signJwt(key, oidcAccessClaims());
    secrets.push(issuedToken);
    cognito
      .on(InitiateAuthCommand)
      .rejectsOnce(new NotAuthorizedException({ message: 'Incorrect username or password.', $metadata: {} }))
      .rejectsOnce(
        new InternalErrorException({ message: `failed for ${password} ${refreshToken}`, $metadata: {} }),
      )
      .resolves({
        AuthenticationResult: { AccessToken: issuedToken, RefreshToken: refreshToken, ExpiresIn: 3600 },
      });
    cognito
      .on(RevokeTokenCommand)
      .rejectsOnce(new InternalErrorException({ message: `cannot revoke ${refreshToken}`, $metadata: {} }))
      .resolves({});
    const cookie = { enabled: true, tokensInBody: false } as const;
    const login = createLoginHandler({
      authenticator,
      tokenCookie: cookie,
      loginFailures: new MemoryLoginFailureLog(),
    });
    const refresh = createRefreshHandler({ authenticator, tokenCookie: cookie });
    const logout = createLogoutHandler({
      authenticator,
      tokenCookie: cookie,
      closeConnectionsOf: async () => 0,
    });
    let stored: Record<string, unknown> | undefined;
    dynamo.on(PutCommand).callsFake((input) => {
      stored = input.Item;
      return {};
    });
    dynamo.on(DeleteCommand).callsFake(() => {
      const attributes = stored;
      stored = undefined;
      if (!attributes) throw new ConditionalCheckFailedException({ message: 'failed', $metadata: {} });
      return { Attributes: attributes };
    });

    // Act
    for (const mode of modes) {
      const authorizer = authorizerFor(mode);
      const ticket = ticketHandlerFor(mode);
      for (const { token: makeToken } of hostileTokenCases(mode, key, stranger)) {
        const token = makeToken();
        secrets.push(token);
        for (const way of Object.values(handshakeWays)) await authorizer(way(token)).catch(() => undefined);
        await ticket(ticketEvent(token));
        await ticket(ticketEvent(undefined, { authorization: `bearer  ${token}` }));
      }
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      await login(loginEvent(jsonBody({ username: 'alice', password })));
      await refresh(refreshEvent(jsonBody({ refreshToken })));
    }
    await login(loginEvent(jsonBody({ username: 'not valid', password })));
    await logout(logoutEvent(jsonBody({ refreshToken })));
    await logout(logoutEvent(jsonBody({ refreshToken })));
    await logout(logoutEvent(jsonBody({ refreshToken: `${refreshToken} with spaces` })));
    // A ticket issued, redeemed, then replayed: the second redemption fails and is logged.
    const valid = signJwt(key, oidcAccessClaims({ sub: 'ticket-user' }));
    secrets.push(valid);
    const issued = JSON.parse((await ticketHandlerFor('oidc')(ticketEvent(valid))).body ?? '{}') as {
      ticket: string;
    };
    secrets.push(issued.ticket);
    const authorizer = authorizerFor('oidc');
    const first = await authorizer(authorizerEvent({ ticket: issued.ticket }));
    const replay = await rejectionOf(authorizer(authorizerEvent({ ticket: issued.ticket })));
    for (const way of Object.values(handshakeWays)) await authorizer(way(valid));

    // Assess
    expect(first.principalId).toBe('ticket-user');
    expect(replay.message).toBe('Unauthorized');
    expect(consoleOutput.length).toBeGreaterThan(200);
    const everything = consoleOutput.join('\n');
    for (const secret of secrets) {
      for (const fragment of secretFragments(secret)) expect(everything).not.toContain(fragment);
    }
    expect(everything).toContain('"reason":"TicketSpent"');
  });
});
