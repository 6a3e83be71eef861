import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  NotAuthorizedException,
  TooManyRequestsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TokenCookieConfig } from '../../lambdas/config.ts';
import { createRefreshHandler } from '../../lambdas/handlers/refresh.ts';
import {
  clientFault,
  cognitoEndpoint,
  cookieMode,
  cookieOnlyMode,
  testClientId,
} from '../fixtures/cognito-endpoints.ts';
import {
  base64Encoded,
  jsonBody,
  multipartBody,
  refreshEvent,
  urlEncodedBody,
} from '../fixtures/http-events.ts';

const cognito = mockClient(CognitoIdentityProviderClient);
const clientId = testClientId;
const refreshToken = 'eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.refresh-token-body';
const metadata = clientFault;
let logLines: string[] = [];

function refreshHandler(tokenCookie?: TokenCookieConfig) {
  return cognitoEndpoint('refresh', logLines, createRefreshHandler, tokenCookie ? { tokenCookie } : {});
}

beforeEach(() => {
  cognito.reset();
  logLines = [];
});

describe('POST /refresh', () => {
  it.each([
    ['JSON', async () => jsonBody({ refreshToken })],
    ['a URL-encoded form', async () => urlEncodedBody({ refreshToken })],
    ['multipart/form-data', async () => multipartBody({ refreshToken })],
    ['base64 JSON', async () => base64Encoded(jsonBody({ refreshToken }))],
  ])('exchanges a refresh token sent as %s for a new access token', async (_kind, makeBody) => {
    // Prepare
    cognito
      .on(InitiateAuthCommand)
      .resolves({ AuthenticationResult: { AccessToken: 'new.access.token', ExpiresIn: 3600 } });

    // Act
    const response = await refreshHandler()(refreshEvent(await makeBody()));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({ token: 'new.access.token', expiresIn: 3600 });
    expect(response.headers).toMatchObject({ 'cache-control': 'no-store' });
    expect(cognito).toHaveReceivedCommandWith(InitiateAuthCommand, {
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      ClientId: clientId,
      AuthParameters: { REFRESH_TOKEN: refreshToken },
    });
  });

  it('returns the rotated refresh token when Cognito issues one', async () => {
    // Prepare
    cognito.on(InitiateAuthCommand).resolves({
      AuthenticationResult: {
        AccessToken: 'new.access.token',
        ExpiresIn: 900,
        RefreshToken: 'rotated-refresh',
      },
    });

    // Act
    const response = await refreshHandler()(refreshEvent(jsonBody({ refreshToken })));

    // Assess
    expect(JSON.parse(response.body ?? '')).toEqual({
      token: 'new.access.token',
      refreshToken: 'rotated-refresh',
      expiresIn: 900,
    });
  });

  it('answers an invalid, expired or revoked refresh token with 401', async () => {
    // Prepare
    cognito
      .on(InitiateAuthCommand)
      .rejects(new NotAuthorizedException({ message: 'Invalid Refresh Token', ...metadata }));

    // Act
    const response = await refreshHandler()(refreshEvent(jsonBody({ refreshToken })));

    // Assess
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body ?? '')).toEqual({ message: 'Invalid or expired refresh token' });
    expect(logLines.join('\n')).not.toContain(refreshToken);
  });

  it('answers throttling with 429', async () => {
    // Prepare
    cognito
      .on(InitiateAuthCommand)
      .rejects(new TooManyRequestsException({ message: 'slow down', ...metadata }));

    // Act
    const response = await refreshHandler()(refreshEvent(jsonBody({ refreshToken })));

    // Assess
    expect(response.statusCode).toBe(429);
  });

  it('answers a missing refresh token with 400 without calling Cognito', async () => {
    // Act
    const response = await refreshHandler()(refreshEvent(jsonBody({ token: refreshToken })));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '')).toEqual({ message: 'refreshToken is required' });
    expect(cognito).not.toHaveReceivedCommand(InitiateAuthCommand);
  });

  it('sets the token cookie for the new token when LOGIN_COOKIE is on', async () => {
    // Prepare
    cognito
      .on(InitiateAuthCommand)
      .resolves({ AuthenticationResult: { AccessToken: 'new.access.token', ExpiresIn: 900 } });

    // Act
    const response = await refreshHandler(cookieMode)(refreshEvent(jsonBody({ refreshToken })));

    // Assess
    expect(response.cookies).toEqual([
      '__Host-parley_token=new.access.token; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=900',
    ]);
  });

  it('sets no cookie on a refused refresh', async () => {
    // Prepare
    cognito
      .on(InitiateAuthCommand)
      .rejects(new NotAuthorizedException({ message: 'Invalid Refresh Token', ...metadata }));

    // Act
    const response = await refreshHandler(cookieMode)(refreshEvent(jsonBody({ refreshToken })));

    // Assess
    expect(response.statusCode).toBe(401);
    expect(response.cookies).toBeUndefined();
  });
});

describe('POST /refresh in cookie-only mode', () => {
  it('takes the refresh token from its cookie and answers without any token in the body', async () => {
    // Prepare
    cognito
      .on(InitiateAuthCommand)
      .resolves({ AuthenticationResult: { AccessToken: 'new.access.token', ExpiresIn: 900 } });
    const event = refreshEvent(
      { body: '' },
      { cookies: [`__Secure-parley_refresh=${refreshToken}`, 'theme=dark'] },
    );

    // Act
    const response = await refreshHandler(cookieOnlyMode)(event);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({ expiresIn: 900 });
    expect(response.cookies).toEqual([
      '__Host-parley_token=new.access.token; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=900',
    ]);
    expect(cognito).toHaveReceivedCommandWith(InitiateAuthCommand, {
      AuthParameters: { REFRESH_TOKEN: refreshToken },
    });
  });

  it('sets a rotated refresh token as its cookie again, never in the body', async () => {
    // Prepare
    cognito.on(InitiateAuthCommand).resolves({
      AuthenticationResult: {
        AccessToken: 'new.access.token',
        ExpiresIn: 900,
        RefreshToken: 'rotated-refresh',
      },
    });

    // Act
    const response = await refreshHandler(cookieOnlyMode)(
      refreshEvent({ body: '' }, { cookies: [`__Secure-parley_refresh=${refreshToken}`] }),
    );

    // Assess
    expect(response.body).not.toContain('rotated-refresh');
    expect(response.cookies).toEqual([
      expect.stringMatching(/^__Host-parley_token=new\.access\.token; /),
      '__Secure-parley_refresh=rotated-refresh; HttpOnly; Secure; SameSite=Strict; Path=/refresh; Max-Age=2592000',
      '__Secure-parley_refresh=rotated-refresh; HttpOnly; Secure; SameSite=Strict; Path=/logout; Max-Age=2592000',
    ]);
  });

  it('prefers a refresh token in the body over the cookie', async () => {
    // Prepare
    cognito
      .on(InitiateAuthCommand)
      .resolves({ AuthenticationResult: { AccessToken: 'new.access.token', ExpiresIn: 900 } });

    // Act
    await refreshHandler(cookieOnlyMode)(
      refreshEvent(jsonBody({ refreshToken: 'from-the-body' }), {
        cookies: [`__Secure-parley_refresh=${refreshToken}`],
      }),
    );

    // Assess
    expect(cognito).toHaveReceivedCommandWith(InitiateAuthCommand, {
      AuthParameters: { REFRESH_TOKEN: 'from-the-body' },
    });
  });

  it.each([
    ['no cookie and an empty body', [], 'body is empty'],
    [
      'two different refresh cookies',
      ['__Secure-parley_refresh=a', '__Secure-parley_refresh=b'],
      'body is empty',
    ],
  ])('answers %s with 400 without calling Cognito', async (_case, cookies, message) => {
    // Act
    const response = await refreshHandler(cookieOnlyMode)(refreshEvent({ body: '' }, { cookies }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '').message).toContain(message);
    expect(cognito).not.toHaveReceivedCommand(InitiateAuthCommand);
  });

  it('ignores the refresh cookie when cookie mode is off', async () => {
    // Act
    const response = await refreshHandler()(
      refreshEvent({ body: '' }, { cookies: [`__Secure-parley_refresh=${refreshToken}`] }),
    );

    // Assess
    expect(response.statusCode).toBe(400);
    expect(cognito).not.toHaveReceivedCommand(InitiateAuthCommand);
  });
});
