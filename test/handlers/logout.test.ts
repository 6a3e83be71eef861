import {
  CognitoIdentityProviderClient,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  InternalErrorException,
  InvalidParameterException,
  NotAuthorizedException,
  RevokeTokenCommand,
  TooManyRequestsException,
  UnsupportedOperationException,
  UnsupportedTokenTypeException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TokenCookieConfig } from '../../lambdas/config.ts';
import { createLogoutHandler } from '../../lambdas/handlers/logout.ts';
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
  logoutEvent,
  multipartBody,
  urlEncodedBody,
} from '../fixtures/http-events.ts';

const cognito = mockClient(CognitoIdentityProviderClient);
const clientId = testClientId;
const refreshToken = 'eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.refresh-token-body';
const metadata = clientFault;
let logLines: string[] = [];

let closed: string[] = [];

function logoutHandler(tokenCookie?: TokenCookieConfig) {
  return cognitoEndpoint('logout', logLines, createLogoutHandler, {
    ...(tokenCookie ? { tokenCookie } : {}),
    closeConnectionsOf: async (username: string) => {
      closed.push(username);
      return 2;
    },
  });
}

beforeEach(() => {
  cognito.reset();
  logLines = [];
  closed = [];
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('POST /logout', () => {
  it.each<[string, () => Promise<HttpBody> | HttpBody]>([
    ['JSON', () => jsonBody({ refreshToken })],
    ['a URL-encoded form', () => urlEncodedBody({ refreshToken })],
    ['multipart/form-data', () => multipartBody({ refreshToken })],
    ['base64 JSON', () => base64Encoded(jsonBody({ refreshToken }))],
  ])('revokes a refresh token sent as %s with Cognito RevokeToken', async (_kind, makeBody) => {
    // Prepare
    cognito.on(RevokeTokenCommand).resolves({});

    // Act
    const response = await logoutHandler()(logoutEvent(await makeBody()));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({ message: 'Logged out' });
    expect(response.headers).toMatchObject({ 'cache-control': 'no-store' });
    expect(response.cookies).toBeUndefined();
    expect(cognito).toHaveReceivedCommandTimes(RevokeTokenCommand, 1);
    expect(cognito).toHaveReceivedCommandWith(RevokeTokenCommand, {
      ClientId: clientId,
      Token: refreshToken,
    });
    expect(cognito.commandCalls(RevokeTokenCommand)[0]?.args[0].input).not.toHaveProperty('ClientSecret');
  });

  it.each([
    ['UnsupportedTokenTypeException', () => new UnsupportedTokenTypeException({ message: 'x', ...metadata })],
    ['InvalidParameterException', () => new InvalidParameterException({ message: 'x', ...metadata })],
  ])('answers a token Cognito does not know (%s) with the same 200', async (name, makeError) => {
    // Prepare
    cognito.on(RevokeTokenCommand).rejects(makeError());

    // Act
    const response = await logoutHandler()(logoutEvent(jsonBody({ refreshToken })));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({ message: 'Logged out' });
    const lines = logLines.map((line) => JSON.parse(line));
    expect(lines).toContainEqual(
      expect.objectContaining({ message: 'logout succeeded', outcome: 'unknown' }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ errorName: name }));
  });

  it('answers throttling with 429', async () => {
    // Prepare
    cognito
      .on(RevokeTokenCommand)
      .rejects(new TooManyRequestsException({ message: 'slow down', ...metadata }));

    // Act
    const response = await logoutHandler()(logoutEvent(jsonBody({ refreshToken })));

    // Assess
    expect(response.statusCode).toBe(429);
  });

  it('answers a client without token revocation with 500 and logs the error name', async () => {
    // Prepare
    cognito
      .on(RevokeTokenCommand)
      .rejects(
        new UnsupportedOperationException({ message: `revocation disabled ${refreshToken}`, ...metadata }),
      );

    // Act
    const response = await logoutHandler()(logoutEvent(jsonBody({ refreshToken }), { requestId: 'req-500' }));

    // Assess
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body ?? '')).toEqual({ message: 'Logout failed; try again later' });
    expect(logLines.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        errorName: 'UnsupportedOperationException',
        requestId: 'req-500',
      }),
    );
    expect(logLines.join('\n')).not.toContain(refreshToken);
  });

  it.each<[string, HttpBody, string]>([
    ['a missing refresh token', jsonBody({ token: refreshToken }), 'refreshToken is required'],
    ['malformed JSON', jsonBody('{'), 'body is not valid JSON'],
    ['a refresh token with spaces', jsonBody({ refreshToken: 'a b' }), 'refreshToken must be'],
    [
      'a refresh token sent twice',
      urlEncodedBody([
        ['refreshToken', 'a'],
        ['refreshToken', 'b'],
      ]),
      'sent once',
    ],
  ])('answers %s with 400 without calling Cognito', async (_case, body, message) => {
    // Act
    const response = await logoutHandler(cookieMode)(logoutEvent(body));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '').message).toContain(message);
    expect(response.cookies).toBeUndefined();
    expect(cognito).not.toHaveReceivedCommand(RevokeTokenCommand);
  });

  it('clears the token cookie when LOGIN_COOKIE is on', async () => {
    // Prepare
    cognito.on(RevokeTokenCommand).resolves({});

    // Act
    const response = await logoutHandler({ ...cookieMode, domain: 'example.com' })(
      logoutEvent(jsonBody({ refreshToken })),
    );

    // Assess
    expect(response.cookies).toEqual([
      'parley_token=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0; Domain=example.com',
      '__Secure-parley_refresh=; HttpOnly; Secure; SameSite=Strict; Path=/refresh; Max-Age=0',
      '__Secure-parley_refresh=; HttpOnly; Secure; SameSite=Strict; Path=/logout; Max-Age=0',
    ]);
  });

  it('serves the default handler from COGNITO_CLIENT_ID, LOGIN_COOKIE and COOKIE_DOMAIN', async () => {
    // Prepare
    vi.stubEnv('COGNITO_CLIENT_ID', 'env-client-id');
    vi.stubEnv('LOGIN_COOKIE', 'true');
    vi.stubEnv('COOKIE_DOMAIN', 'chat.example.com');
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.resetModules();
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    cognito.on(RevokeTokenCommand).resolves({});
    const { handler } = await import('../../lambdas/handlers/logout.ts');

    // Act
    const response = await handler(logoutEvent(jsonBody({ refreshToken })));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.cookies).toEqual([
      expect.stringMatching(/^parley_token=; .*Max-Age=0; Domain=chat\.example\.com$/),
      expect.stringMatching(/^__Secure-parley_refresh=; .*Path=\/refresh; Max-Age=0$/),
      expect.stringMatching(/^__Secure-parley_refresh=; .*Path=\/logout; Max-Age=0$/),
    ]);
    expect(cognito).toHaveReceivedCommandWith(RevokeTokenCommand, { ClientId: 'env-client-id' });
    vi.restoreAllMocks();
  });
});

describe('POST /logout everywhere', () => {
  /** An access token as Cognito returns it from REFRESH_TOKEN_AUTH: only its payload matters here. */
  const accessTokenOf = (username: string) =>
    [
      'header',
      Buffer.from(JSON.stringify({ username, token_use: 'access' })).toString('base64url'),
      'sig',
    ].join('.');

  it('signs the user out of every session and closes every live connection of the user', async () => {
    // Prepare
    const accessToken = accessTokenOf('alice');
    cognito
      .on(InitiateAuthCommand)
      .resolves({ AuthenticationResult: { AccessToken: accessToken, ExpiresIn: 3600 } })
      .on(GlobalSignOutCommand)
      .resolves({});

    // Act
    const response = await logoutHandler()(
      logoutEvent(jsonBody({ refreshToken, everywhere: true }), { requestId: 'req-everywhere' }),
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({ message: 'Logged out' });
    expect(cognito).toHaveReceivedCommandWith(InitiateAuthCommand, {
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      AuthParameters: { REFRESH_TOKEN: refreshToken },
    });
    expect(cognito).toHaveReceivedCommandExactlyOnceWith(GlobalSignOutCommand, { AccessToken: accessToken });
    expect(cognito).not.toHaveReceivedCommand(RevokeTokenCommand);
    expect(closed).toEqual(['alice']);
    expect(logLines.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({
        outcome: 'signed-out-everywhere',
        closedConnections: 2,
        requestId: 'req-everywhere',
      }),
    );
    expect(logLines.join('\n')).not.toContain(accessToken.split('.')[1]);
  });

  it.each([
    ['true', urlEncodedBody({ refreshToken, everywhere: 'true' })],
    ['a JSON true', jsonBody({ refreshToken, everywhere: true })],
  ])('takes everywhere as %s', async (_case, body) => {
    // Prepare
    cognito
      .on(InitiateAuthCommand)
      .resolves({ AuthenticationResult: { AccessToken: accessTokenOf('bob'), ExpiresIn: 3600 } })
      .on(GlobalSignOutCommand)
      .resolves({});

    // Act
    await logoutHandler()(logoutEvent(body));

    // Assess
    expect(closed).toEqual(['bob']);
  });

  it('answers an unknown refresh token with the same 200 and closes nothing', async () => {
    // Prepare
    cognito
      .on(InitiateAuthCommand)
      .rejects(new NotAuthorizedException({ message: 'Invalid Refresh Token', ...metadata }));

    // Act
    const response = await logoutHandler()(logoutEvent(jsonBody({ refreshToken, everywhere: true })));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({ message: 'Logged out' });
    expect(cognito).not.toHaveReceivedCommand(GlobalSignOutCommand);
    expect(closed).toEqual([]);
  });

  it('answers throttling with 429 and closes nothing', async () => {
    // Prepare
    cognito.on(InitiateAuthCommand).rejects(new TooManyRequestsException({ message: 'slow', ...metadata }));

    // Act
    const response = await logoutHandler()(logoutEvent(jsonBody({ refreshToken, everywhere: true })));

    // Assess
    expect(response.statusCode).toBe(429);
    expect(closed).toEqual([]);
  });

  it('answers a Cognito failure with 500 and closes nothing', async () => {
    // Prepare
    cognito
      .on(InitiateAuthCommand)
      .resolves({ AuthenticationResult: { AccessToken: accessTokenOf('carol'), ExpiresIn: 3600 } })
      .on(GlobalSignOutCommand)
      .rejects(new InternalErrorException({ message: 'boom', $metadata: {} }));

    // Act
    const response = await logoutHandler()(logoutEvent(jsonBody({ refreshToken, everywhere: true })));

    // Assess
    expect(response.statusCode).toBe(500);
    expect(closed).toEqual([]);
  });

  it.each([
    [
      'a string that is not a boolean',
      jsonBody({ refreshToken, everywhere: 'yes' }),
      'everywhere must be true or false',
    ],
    ['a number', jsonBody({ refreshToken, everywhere: 1 }), 'everywhere must be true or false'],
  ])('answers everywhere as %s with 400 without calling Cognito', async (_case, body, message) => {
    // Act
    const response = await logoutHandler()(logoutEvent(body));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '').message).toContain(message);
    expect(cognito.calls()).toHaveLength(0);
  });
});

describe('POST /logout in cookie mode', () => {
  it('takes the refresh token from its cookie and clears every cookie', async () => {
    // Prepare
    cognito.on(RevokeTokenCommand).resolves({});

    // Act
    const response = await logoutHandler(cookieOnlyMode)(
      logoutEvent({ body: '' }, { cookies: [`__Secure-parley_refresh=${refreshToken}`] }),
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect(cognito).toHaveReceivedCommandWith(RevokeTokenCommand, { Token: refreshToken });
    expect(response.cookies).toEqual([
      '__Host-parley_token=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0',
      '__Secure-parley_refresh=; HttpOnly; Secure; SameSite=Strict; Path=/refresh; Max-Age=0',
      '__Secure-parley_refresh=; HttpOnly; Secure; SameSite=Strict; Path=/logout; Max-Age=0',
    ]);
  });

  it('refuses a request from a foreign Origin with 403 and revokes nothing', async () => {
    // Prepare
    const handler = cognitoEndpoint('logout', logLines, createLogoutHandler, {
      tokenCookie: cookieOnlyMode,
      origins: { allowedOrigins: new Set(['https://chat.example.com']), allowMissingOrigin: false },
      closeConnectionsOf: async () => 0,
    });

    // Act
    const response = await handler(
      logoutEvent(jsonBody({ refreshToken }), { headers: { origin: 'https://evil.example' } }),
    );

    // Assess
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body ?? '').message).toContain('"https://evil.example"');
    expect(cognito.calls()).toHaveLength(0);
  });
});
