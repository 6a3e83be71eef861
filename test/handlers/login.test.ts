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
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TokenCookieConfig } from '../../lambdas/config.ts';
import { createLoginHandler } from '../../lambdas/handlers/login.ts';
import { clientFault, cognitoEndpoint, testClientId } from '../fixtures/cognito-endpoints.ts';
import {
  base64Encoded,
  type HttpBody,
  jsonBody,
  loginEvent,
  multipartBody,
  urlEncodedBody,
} from '../fixtures/http-events.ts';

const cognito = mockClient(CognitoIdentityProviderClient);
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

function loginHandler(tokenCookie?: TokenCookieConfig) {
  return cognitoEndpoint('login', logLines, createLoginHandler, tokenCookie);
}

beforeEach(() => {
  cognito.reset();
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

  it('reports a challenge it cannot complete as invalid credentials', async () => {
    // Prepare
    cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 'session' });

    // Act
    const response = await loginHandler()(loginEvent(jsonBody(credentials)));

    // Assess
    expect(response.statusCode).toBe(401);
    expect(logLines.join('\n')).toContain('NEW_PASSWORD_REQUIRED');
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

  it('serves the default handler from COGNITO_CLIENT_ID', async () => {
    // Prepare
    vi.stubEnv('COGNITO_CLIENT_ID', 'env-client-id');
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.resetModules();
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: tokens });
    const { handler } = await import('../../lambdas/handlers/login.ts');

    // Act
    const response = await handler(loginEvent(jsonBody(credentials)));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(cognito).toHaveReceivedCommandWith(InitiateAuthCommand, { ClientId: 'env-client-id' });
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
      'host-only',
      { enabled: true },
      'parley_token=access.jwt.token; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=3600',
    ],
    [
      'with COOKIE_DOMAIN',
      { enabled: true, domain: 'example.com' },
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
    const response = await loginHandler({ enabled: true })(loginEvent(jsonBody(credentials)));

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
    const response = await loginHandler({ enabled: true })(loginEvent(jsonBody(credentials)));

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
