import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  InternalErrorException,
  NotAuthorizedException,
  PasswordResetRequiredException,
  TooManyRequestsException,
  UserNotConfirmedException,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TokenCookieConfig } from '../../lambdas/config.ts';
import { createLoginHandler } from '../../lambdas/handlers/login.ts';
import { MemoryLoginFailureLog } from '../../local/identity/memory-login-failures.ts';
import {
  clientFault,
  cognitoEndpoint,
  cookieMode,
  cookieOnlyMode,
  testClientId,
} from '../fixtures/cognito-endpoints.ts';
import {
  base64Encoded,
  type HttpBody,
  jsonBody,
  loginEvent,
  multipartBody,
  urlEncodedBody,
} from '../fixtures/http-events.ts';

const cognito = mockClient(CognitoIdentityProviderClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const clientId = testClientId;
const password = 'correct-horse-battery-staple';
const tokens = {
  AccessToken: 'access.jwt.token',
  RefreshToken: 'refresh-token-1',
  ExpiresIn: 3600,
  IdToken: 'id.jwt.token',
};
const metadata = clientFault;

let logLines: string[] = [];
let consoleOutput: string[] = [];

let failures: MemoryLoginFailureLog;
let clock = 1_800_000_000_000;

function loginHandler(tokenCookie?: TokenCookieConfig) {
  return cognitoEndpoint('login', logLines, createLoginHandler, {
    loginFailures: failures,
    now: () => clock,
    ...(tokenCookie ? { tokenCookie } : {}),
  });
}

beforeEach(() => {
  cognito.reset();
  dynamo.reset();
  clock = 1_800_000_000_000;
  failures = new MemoryLoginFailureLog(() => clock);
  logLines = [];
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

const credentials = { username: 'alice', password };

describe('POST /login', () => {
  it.each<[string, () => Promise<HttpBody> | HttpBody]>([
    ['JSON', () => jsonBody(credentials)],
    ['a URL-encoded form', () => urlEncodedBody(credentials)],
    ['multipart/form-data', () => multipartBody(credentials)],
    ['base64 JSON', () => base64Encoded(jsonBody(credentials))],
    ['base64 multipart/form-data', async () => base64Encoded(await multipartBody(credentials))],
  ])('logs in with %s and returns the tokens, uncached', async (_kind, makeBody) => {
    // Prepare
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: tokens });
    const handler = loginHandler();

    // Act
    const response = await handler(loginEvent(await makeBody()));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({
      token: 'access.jwt.token',
      refreshToken: 'refresh-token-1',
      expiresIn: 3600,
    });
    expect(response.headers).toMatchObject({
      'cache-control': 'no-store',
      'content-type': expect.stringContaining('json'),
    });
    expect(cognito).toHaveReceivedCommandWith(InitiateAuthCommand, {
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: clientId,
      AuthParameters: { USERNAME: 'alice', PASSWORD: password },
    });
  });

  it('answers a wrong password and an unknown user with identical 401s', async () => {
    // Prepare
    cognito
      .on(InitiateAuthCommand, { AuthParameters: { USERNAME: 'alice', PASSWORD: 'wrong' } })
      .rejects(new NotAuthorizedException({ message: 'Incorrect username or password.', ...metadata }))
      .on(InitiateAuthCommand, { AuthParameters: { USERNAME: 'mallory', PASSWORD: 'wrong' } })
      .rejects(new UserNotFoundException({ message: 'User does not exist.', ...metadata }));
    const handler = loginHandler();

    // Act
    const wrongPassword = await handler(loginEvent(jsonBody({ username: 'alice', password: 'wrong' })));
    const unknownUser = await handler(loginEvent(jsonBody({ username: 'mallory', password: 'wrong' })));

    // Assess
    expect(wrongPassword.statusCode).toBe(401);
    expect(wrongPassword.body).toBe(JSON.stringify({ message: 'Invalid username or password' }));
    expect(unknownUser).toEqual(wrongPassword);
  });

  it.each([
    [
      'PasswordResetRequiredException',
      () => new PasswordResetRequiredException({ message: 'reset', ...metadata }),
    ],
    [
      'UserNotConfirmedException',
      () => new UserNotConfirmedException({ message: 'unconfirmed', ...metadata }),
    ],
  ])('reports %s as invalid credentials', async (_name, makeError) => {
    // Prepare
    cognito.on(InitiateAuthCommand).rejects(makeError());

    // Act
    const response = await loginHandler()(loginEvent(jsonBody(credentials)));

    // Assess
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body ?? '')).toEqual({ message: 'Invalid username or password' });
  });

  it('answers NEW_PASSWORD_REQUIRED with 403 naming the challenge and the session for POST /password', async () => {
    // Prepare
    cognito.on(InitiateAuthCommand).resolves({
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      Session: 'cognito-session-1',
      ChallengeParameters: {},
    });

    // Act
    const response = await loginHandler(cookieMode)(
      loginEvent(jsonBody(credentials), { requestId: 'req-np' }),
    );

    // Assess
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body ?? '')).toEqual({
      message: 'A new password is required: POST /password with username, session and newPassword',
      challenge: 'NEW_PASSWORD_REQUIRED',
      session: 'cognito-session-1',
    });
    expect(response.headers).toMatchObject({ 'cache-control': 'no-store' });
    expect(response.cookies).toBeUndefined();
    expect(logLines.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ message: 'login needs a new password', challenge: 'NEW_PASSWORD_REQUIRED' }),
    );
    expect(logLines.join('\n')).not.toContain('cognito-session-1');
  });

  it('reports a challenge it cannot complete (MFA) as invalid credentials', async () => {
    // Prepare
    cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'SMS_MFA', Session: 'session' });

    // Act
    const response = await loginHandler()(loginEvent(jsonBody(credentials)));

    // Assess
    expect(response.statusCode).toBe(401);
    expect(logLines.join('\n')).toContain('SMS_MFA');
  });

  it('answers throttling with 429', async () => {
    // Prepare
    cognito
      .on(InitiateAuthCommand)
      .rejects(new TooManyRequestsException({ message: 'slow down', ...metadata }));

    // Act
    const response = await loginHandler()(loginEvent(jsonBody(credentials)));

    // Assess
    expect(response.statusCode).toBe(429);
    expect(JSON.parse(response.body ?? '')).toEqual({ message: 'Too many requests; try again later' });
  });

  it('answers other Cognito failures with a generic 500 and logs only the error name', async () => {
    // Prepare
    cognito
      .on(InitiateAuthCommand)
      .rejects(new InternalErrorException({ message: `internal failure for ${password}`, $metadata: {} }));

    // Act
    const response = await loginHandler()(loginEvent(jsonBody(credentials), { requestId: 'req-500' }));

    // Assess
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body ?? '')).toEqual({ message: 'Login failed; try again later' });
    expect(logLines.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ level: 'ERROR', errorName: 'InternalErrorException', requestId: 'req-500' }),
    );
  });

  it.each<[string, HttpBody, number, string]>([
    ['a missing password', jsonBody({ username: 'alice' }), 400, 'password is required'],
    ['a missing username', urlEncodedBody({ password }), 400, 'username is required'],
    ['malformed JSON', jsonBody('{'), 400, 'body is not valid JSON'],
    [
      'an unsupported media type',
      { body: 'x', contentType: 'application/octet-stream' },
      415,
      'content-type must be',
    ],
    ['an oversized body', jsonBody({ ...credentials, pad: 'x'.repeat(20_000) }), 413, 'body must be at most'],
  ])('answers %s with %i and a message, without calling Cognito', async (_case, body, status, message) => {
    // Act
    const response = await loginHandler()(loginEvent(body));

    // Assess
    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body ?? '').message).toContain(message);
    expect(cognito).not.toHaveReceivedCommand(InitiateAuthCommand);
  });

  it('never logs or echoes the password', async () => {
    // Prepare
    cognito
      .on(InitiateAuthCommand)
      .rejectsOnce(new NotAuthorizedException({ message: 'Incorrect username or password.', ...metadata }))
      .rejectsOnce(new InternalErrorException({ message: 'boom', $metadata: {} }))
      .resolves({ AuthenticationResult: tokens });
    const handler = loginHandler();
    const bodies = [
      jsonBody(credentials),
      jsonBody(credentials),
      await multipartBody(credentials),
      jsonBody({ username: 'not valid', password }),
      jsonBody({ username: 'alice', password: `${password}${'x'.repeat(300)}` }),
    ];

    // Act
    const responses = [];
    for (const body of bodies) responses.push(await handler(loginEvent(body)));

    // Assess
    const everything = [
      ...logLines,
      ...consoleOutput,
      ...responses.map((response) => JSON.stringify(response)),
    ].join('\n');
    expect(everything).not.toContain(password);
    expect(logLines.length).toBeGreaterThanOrEqual(bodies.length);
  });

  it('serves the default handler from COGNITO_CLIENT_ID, counting failures in TABLE_NAME', async () => {
    // Prepare
    vi.stubEnv('COGNITO_CLIENT_ID', 'env-client-id');
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.resetModules();
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: tokens });
    dynamo.on(GetCommand).resolves({}).on(PutCommand).resolves({});
    const { handler } = await import('../../lambdas/handlers/login.ts');

    // Act
    const response = await handler(loginEvent(jsonBody(credentials)));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(cognito).toHaveReceivedCommandWith(InitiateAuthCommand, { ClientId: 'env-client-id' });
    expect(dynamo).toHaveReceivedCommandWith(GetCommand, {
      TableName: 'parley-test',
      Key: { pk: 'LOGIN#alice', sk: 'FAILURES' },
    });
  });

  it('sets no cookie by default', async () => {
    // Prepare
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: tokens });

    // Act
    const response = await loginHandler()(loginEvent(jsonBody(credentials)));

    // Assess
    expect(response.cookies).toBeUndefined();
  });

  it.each<[string, TokenCookieConfig, string]>([
    [
      'host-only, under __Host-',
      cookieMode,
      '__Host-parley_token=access.jwt.token; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=3600',
    ],
    [
      'with COOKIE_DOMAIN',
      { ...cookieMode, domain: 'example.com' },
      'parley_token=access.jwt.token; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=3600; Domain=example.com',
    ],
  ])('sets the HttpOnly token cookie (%s) when LOGIN_COOKIE is on', async (_case, settings, cookie) => {
    // Prepare
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: tokens });

    // Act
    const response = await loginHandler(settings)(loginEvent(jsonBody(credentials)));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.cookies).toEqual([cookie]);
    expect(JSON.parse(response.body ?? '')).toMatchObject({ token: 'access.jwt.token' });
  });

  it('sets no cookie on a refused login', async () => {
    // Prepare
    cognito
      .on(InitiateAuthCommand)
      .rejects(new NotAuthorizedException({ message: 'Incorrect username or password.', ...metadata }));

    // Act
    const response = await loginHandler(cookieMode)(loginEvent(jsonBody(credentials)));

    // Assess
    expect(response.statusCode).toBe(401);
    expect(response.cookies).toBeUndefined();
  });

  it('never puts a token that could break out of Set-Cookie into a cookie', async () => {
    // Prepare
    cognito
      .on(InitiateAuthCommand)
      .resolves({ AuthenticationResult: { ...tokens, AccessToken: 'a.b.c; Domain=evil.test' } });

    // Act
    const response = await loginHandler(cookieMode)(loginEvent(jsonBody(credentials)));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.cookies).toBeUndefined();
  });

  it('reads LOGIN_COOKIE and COOKIE_DOMAIN in the default handler', async () => {
    // Prepare
    vi.stubEnv('LOGIN_COOKIE', 'true');
    vi.stubEnv('COOKIE_DOMAIN', 'example.com');
    vi.resetModules();
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: tokens });
    dynamo.on(GetCommand).resolves({}).on(PutCommand).resolves({});
    const { handler } = await import('../../lambdas/handlers/login.ts');

    // Act
    const response = await handler(loginEvent(jsonBody(credentials)));

    // Assess
    expect(response.cookies).toEqual([
      expect.stringMatching(/^parley_token=access\.jwt\.token; .*; Domain=example\.com$/),
    ]);
  });

  it('fails its cold start on an invalid COOKIE_DOMAIN', async () => {
    // Prepare
    vi.stubEnv('LOGIN_COOKIE', 'on');
    vi.stubEnv('COOKIE_DOMAIN', 'example.com; Secure=no');
    vi.resetModules();
    const { handler } = await import('../../lambdas/handlers/login.ts');

    // Act & Assess
    await expect(handler(loginEvent(jsonBody(credentials)))).rejects.toThrow(
      /LOGIN_COOKIE must be one of true, false, got "on".*COOKIE_DOMAIN must be a host name/,
    );
  });
});

describe('POST /login in cookie-only mode', () => {
  it('answers without any token in the body, the token and refresh token in HttpOnly cookies', async () => {
    // Prepare
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: tokens });

    // Act
    const response = await loginHandler(cookieOnlyMode)(loginEvent(jsonBody(credentials)));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({ expiresIn: 3600 });
    expect(response.body).not.toContain('access.jwt.token');
    expect(response.body).not.toContain('refresh-token-1');
    expect(response.cookies).toEqual([
      '__Host-parley_token=access.jwt.token; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=3600',
      '__Secure-parley_refresh=refresh-token-1; HttpOnly; Secure; SameSite=Strict; Path=/refresh; Max-Age=2592000',
      '__Secure-parley_refresh=refresh-token-1; HttpOnly; Secure; SameSite=Strict; Path=/logout; Max-Age=2592000',
    ]);
  });
});

describe('POST /login from a browser in cookie mode', () => {
  const chatOrigin = 'https://chat.example.com';
  const handlerWithOrigins = (tokenCookie?: TokenCookieConfig) =>
    cognitoEndpoint('login', logLines, createLoginHandler, {
      loginFailures: failures,
      origins: { allowedOrigins: new Set([chatOrigin]), allowMissingOrigin: false },
      ...(tokenCookie ? { tokenCookie } : {}),
    });

  it.each([
    ['another site', 'https://evil.example'],
    ['a sandboxed frame', 'null'],
    ['two origins at once', `${chatOrigin}, https://evil.example`],
  ])(
    'refuses a login from %s with 403, before Cognito is asked and without a cookie',
    async (_case, origin) => {
      // Prepare
      cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: tokens });

      // Act
      const response = await handlerWithOrigins(cookieMode)(
        loginEvent(await multipartBody(credentials), { headers: { origin }, requestId: 'req-csrf' }),
      );

      // Assess
      expect(response.statusCode).toBe(403);
      expect(JSON.parse(response.body ?? '').message).toMatch(/^Origin ".*" may not call this API$/);
      expect(response.cookies).toBeUndefined();
      expect(cognito.calls()).toHaveLength(0);
      expect(logLines.map((line) => JSON.parse(line))).toContainEqual(
        expect.objectContaining({
          message: 'login refused',
          outcome: 'OriginNotAllowed',
          requestId: 'req-csrf',
        }),
      );
    },
  );

  it.each([
    ['an allowed origin (the tutorial’s FormData login)', { origin: chatOrigin }],
    ['no Origin (a non-browser client)', {}],
  ])('accepts a login from %s', async (_case, headers) => {
    // Prepare
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: tokens });

    // Act
    const response = await handlerWithOrigins(cookieMode)(
      loginEvent(await multipartBody(credentials), { headers }),
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.cookies).toHaveLength(1);
  });

  it('does not check Origin when cookie mode is off (no ambient credential to abuse)', async () => {
    // Prepare
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: tokens });

    // Act
    const response = await handlerWithOrigins()(
      loginEvent(jsonBody(credentials), { headers: { origin: 'https://evil.example' } }),
    );

    // Assess
    expect(response.statusCode).toBe(200);
  });
});

describe('password guessing', () => {
  const wrong = { username: 'alice', password: 'guess' };
  const rejectWrongPasswords = () =>
    cognito
      .on(InitiateAuthCommand, { AuthParameters: { USERNAME: 'alice', PASSWORD: 'guess' } })
      .rejects(new NotAuthorizedException({ message: 'Incorrect username or password.', ...metadata }))
      .on(InitiateAuthCommand, { AuthParameters: { USERNAME: 'alice', PASSWORD: password } })
      .resolves({ AuthenticationResult: tokens });

  /** Five wrong passwords, one a minute. */
  async function failFiveTimes(handler: ReturnType<typeof loginHandler>) {
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await handler(loginEvent(jsonBody(wrong)))).statusCode).toBe(401);
      clock += 60_000;
    }
  }

  it('answers the sixth attempt within 15 minutes with 429 and Retry-After, without asking Cognito', async () => {
    // Prepare
    rejectWrongPasswords();
    const handler = loginHandler();
    const firstFailure = clock;
    await failFiveTimes(handler);

    // Act
    const locked = await handler(loginEvent(jsonBody(wrong), { requestId: 'req-locked' }));

    // Assess
    expect(locked.statusCode).toBe(429);
    const retryAfter = 900 - (clock - firstFailure) / 1000;
    expect(locked.headers).toMatchObject({ 'retry-after': String(retryAfter), 'cache-control': 'no-store' });
    expect(JSON.parse(locked.body ?? '')).toEqual({
      message: `Too many failed logins for this username; try again in ${retryAfter} seconds`,
      retryAfter,
    });
    expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 5);
    expect(logLines.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ message: 'login refused', outcome: 'locked-out', requestId: 'req-locked' }),
    );
  });

  it('does not let the correct password end a lockout early', async () => {
    // Prepare
    rejectWrongPasswords();
    const handler = loginHandler();
    await failFiveTimes(handler);

    // Act
    const correct = await handler(loginEvent(jsonBody(credentials)));

    // Assess
    expect(correct.statusCode).toBe(429);
    expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 5);
  });

  it('lets attempts through again once the oldest failure is 15 minutes old', async () => {
    // Prepare
    rejectWrongPasswords();
    const handler = loginHandler();
    const firstFailure = clock;
    await failFiveTimes(handler);
    clock = firstFailure + 900_000 + 1;

    // Act
    const response = await handler(loginEvent(jsonBody(credentials)));

    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('counts unknown usernames like known ones, and case-insensitively', async () => {
    // Prepare
    cognito.on(InitiateAuthCommand).rejects(new UserNotFoundException({ message: 'none', ...metadata }));
    const handler = loginHandler();

    // Act
    const statuses: number[] = [];
    for (const username of ['Mallory', 'mallory', 'MALLORY', 'mallory', 'Mallory', 'mallory']) {
      statuses.push((await handler(loginEvent(jsonBody({ username, password: 'x' })))).statusCode ?? 0);
    }

    // Assess
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('keeps each username’s count apart', async () => {
    // Prepare
    rejectWrongPasswords();
    cognito
      .on(InitiateAuthCommand, { AuthParameters: { USERNAME: 'bob', PASSWORD: 'password2' } })
      .resolves({ AuthenticationResult: tokens });
    const handler = loginHandler();
    await failFiveTimes(handler);

    // Act
    const bob = await handler(loginEvent(jsonBody({ username: 'bob', password: 'password2' })));

    // Assess
    expect(bob.statusCode).toBe(200);
  });

  it('lets at most five of twenty simultaneous guesses reach Cognito', async () => {
    // Prepare
    rejectWrongPasswords();
    const handler = loginHandler();

    // Act
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => handler(loginEvent(jsonBody(wrong)))),
    );

    // Assess
    expect(cognito.commandCalls(InitiateAuthCommand).length).toBeLessThanOrEqual(5);
    expect(responses.filter((response) => response.statusCode === 401).length).toBeLessThanOrEqual(5);
    expect(responses.filter((response) => response.statusCode === 429).length).toBeGreaterThanOrEqual(15);
  });

  it('does not count a correct password, so a success leaves room for typos', async () => {
    // Prepare
    rejectWrongPasswords();
    const handler = loginHandler();

    // Act
    const statuses: number[] = [];
    for (const body of [wrong, wrong, credentials, wrong, wrong, credentials, wrong]) {
      statuses.push((await handler(loginEvent(jsonBody(body)))).statusCode ?? 0);
    }

    // Assess
    expect(statuses).toEqual([401, 401, 200, 401, 401, 200, 401]);
  });

  it('answers Cognito’s own lockout ("Password attempts exceeded") with the same 429 and Retry-After', async () => {
    // Prepare
    cognito
      .on(InitiateAuthCommand)
      .rejectsOnce(new NotAuthorizedException({ message: 'Incorrect username or password.', ...metadata }))
      .rejects(new NotAuthorizedException({ message: 'Password attempts exceeded', ...metadata }));
    const handler = loginHandler();
    await handler(loginEvent(jsonBody(wrong)));
    clock += 100_000;

    // Act
    const response = await handler(loginEvent(jsonBody(credentials)));

    // Assess
    expect(response.statusCode).toBe(429);
    expect(response.headers).toMatchObject({ 'retry-after': '800' });
    expect(JSON.parse(response.body ?? '')).toMatchObject({ retryAfter: 800 });
  });

  it('answers Cognito’s lockout with a whole window when Parley counted no failure', async () => {
    // Prepare
    cognito
      .on(InitiateAuthCommand)
      .rejects(new NotAuthorizedException({ message: 'Password attempts exceeded', ...metadata }));

    // Act
    const response = await loginHandler()(loginEvent(jsonBody(credentials)));

    // Assess
    expect(response.statusCode).toBe(429);
    expect(response.headers).toMatchObject({ 'retry-after': '900' });
  });

  it('answers 500, without asking Cognito, when the failure count cannot be read', async () => {
    // Prepare
    const broken = cognitoEndpoint('login', logLines, createLoginHandler, {
      loginFailures: {
        read: async () => {
          throw new Error('table unreachable');
        },
        write: async () => true,
      },
    });

    // Act
    const response = await broken(loginEvent(jsonBody(credentials)));

    // Assess
    expect(response.statusCode).toBe(500);
    expect(cognito.calls()).toHaveLength(0);
  });
});
