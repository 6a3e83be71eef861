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
import { clientFault, cognitoEndpoint, testClientId } from '../fixtures/cognito-endpoints.ts';
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
  return cognitoEndpoint('refresh', logLines, createRefreshHandler, tokenCookie);
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
    const response = await refreshHandler({ enabled: true })(refreshEvent(jsonBody({ refreshToken })));

    // Assess
    expect(response.cookies).toEqual([
      'parley_token=new.access.token; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=900',
    ]);
  });

  it('sets no cookie on a refused refresh', async () => {
    // Prepare
    cognito
      .on(InitiateAuthCommand)
      .rejects(new NotAuthorizedException({ message: 'Invalid Refresh Token', ...metadata }));

    // Act
    const response = await refreshHandler({ enabled: true })(refreshEvent(jsonBody({ refreshToken })));

    // Assess
    expect(response.statusCode).toBe(401);
    expect(response.cookies).toBeUndefined();
  });
});
