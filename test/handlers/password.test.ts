import {
  CodeMismatchException,
  CognitoIdentityProviderClient,
  InternalErrorException,
  InvalidPasswordException,
  NotAuthorizedException,
  RespondToAuthChallengeCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TokenCookieConfig } from '../../lambdas/config.ts';
import { createPasswordHandler } from '../../lambdas/handlers/password.ts';
import { clientFault, cognitoEndpoint, cookieOnlyMode, testClientId } from '../fixtures/cognito-endpoints.ts';
import {
  type HttpBody,
  jsonBody,
  multipartBody,
  passwordEvent,
  urlEncodedBody,
} from '../fixtures/http-events.ts';

const cognito = mockClient(CognitoIdentityProviderClient);
const session = 'AYABeC0gL8-cognito-session-0000000000000000';
const newPassword = 'Correct-Horse-7-Battery';
const request = { username: 'erin', session, newPassword };
const tokens = { AccessToken: 'access.jwt.token', RefreshToken: 'refresh-token-1', ExpiresIn: 3600 };
let logLines: string[] = [];

function passwordHandler(tokenCookie?: TokenCookieConfig) {
  return cognitoEndpoint('password', logLines, createPasswordHandler, tokenCookie ? { tokenCookie } : {});
}

beforeEach(() => {
  cognito.reset();
  logLines = [];
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('POST /password', () => {
  it.each<[string, () => Promise<HttpBody> | HttpBody]>([
    ['JSON', () => jsonBody(request)],
    ['a URL-encoded form', () => urlEncodedBody(request)],
    ['multipart/form-data', () => multipartBody(request)],
  ])(
    'answers NEW_PASSWORD_REQUIRED sent as %s and returns tokens as /login does',
    async (_kind, makeBody) => {
      // Prepare
      cognito.on(RespondToAuthChallengeCommand).resolves({ AuthenticationResult: tokens });

      // Act
      const response = await passwordHandler()(passwordEvent(await makeBody()));

      // Assess
      expect(response.statusCode).toBe(200);
      expect(JSON.parse(response.body ?? '')).toEqual({
        token: 'access.jwt.token',
        refreshToken: 'refresh-token-1',
        expiresIn: 3600,
      });
      expect(response.headers).toMatchObject({ 'cache-control': 'no-store' });
      expect(cognito).toHaveReceivedCommandWith(RespondToAuthChallengeCommand, {
        ClientId: testClientId,
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        Session: session,
        ChallengeResponses: { USERNAME: 'erin', NEW_PASSWORD: newPassword },
      });
    },
  );

  it('sets cookies and leaves tokens out of the body in cookie-only mode', async () => {
    // Prepare
    cognito.on(RespondToAuthChallengeCommand).resolves({ AuthenticationResult: tokens });

    // Act
    const response = await passwordHandler(cookieOnlyMode)(passwordEvent(jsonBody(request)));

    // Assess
    expect(JSON.parse(response.body ?? '')).toEqual({ expiresIn: 3600 });
    expect(response.cookies).toEqual([
      expect.stringMatching(/^__Host-parley_token=access\.jwt\.token; /),
      expect.stringMatching(/^__Secure-parley_refresh=refresh-token-1; .*Path=\/refresh;/),
      expect.stringMatching(/^__Secure-parley_refresh=refresh-token-1; .*Path=\/logout;/),
    ]);
  });

  it('answers a password the policy refuses with 400 naming the rules, never the password', async () => {
    // Prepare
    cognito
      .on(RespondToAuthChallengeCommand)
      .rejects(
        new InvalidPasswordException({ message: 'Password does not conform to policy', ...clientFault }),
      );

    // Act
    const response = await passwordHandler()(passwordEvent(jsonBody({ ...request, newPassword: 'short' })));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '')).toEqual({
      message:
        'newPassword must be at least 8 characters long and contain a lower-case letter, an upper-case letter, a digit and a symbol',
    });
    expect(logLines.join('\n')).not.toContain('short');
  });

  it.each([
    [
      'an expired session',
      () =>
        new NotAuthorizedException({
          message: 'Invalid session for the user, session is expired.',
          ...clientFault,
        }),
    ],
    ['a mismatched session', () => new CodeMismatchException({ message: 'Invalid code', ...clientFault })],
  ])('answers %s with 401', async (_case, makeError) => {
    // Prepare
    cognito.on(RespondToAuthChallengeCommand).rejects(makeError());

    // Act
    const response = await passwordHandler()(passwordEvent(jsonBody(request)));

    // Assess
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body ?? '')).toEqual({
      message: 'Invalid or expired session; log in again with the temporary password',
    });
  });

  it('answers a further challenge it cannot complete with 401', async () => {
    // Prepare
    cognito
      .on(RespondToAuthChallengeCommand)
      .resolves({ ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 'next' });

    // Act
    const response = await passwordHandler()(passwordEvent(jsonBody(request)));

    // Assess
    expect(response.statusCode).toBe(401);
    expect(logLines.join('\n')).toContain('SOFTWARE_TOKEN_MFA');
  });

  it('answers throttling with 429 and other failures with 500', async () => {
    // Prepare
    cognito
      .on(RespondToAuthChallengeCommand)
      .rejectsOnce(new TooManyRequestsException({ message: 'slow', ...clientFault }))
      .rejects(new InternalErrorException({ message: `boom ${newPassword}`, $metadata: {} }));
    const handler = passwordHandler();

    // Act
    const throttled = await handler(passwordEvent(jsonBody(request)));
    const failed = await handler(passwordEvent(jsonBody(request)));

    // Assess
    expect(throttled.statusCode).toBe(429);
    expect(failed.statusCode).toBe(500);
    expect(JSON.parse(failed.body ?? '')).toEqual({ message: 'Password failed; try again later' });
    expect(logLines.join('\n')).not.toContain(newPassword);
    expect(logLines.join('\n')).not.toContain(session);
  });

  it.each<[string, HttpBody, string]>([
    ['a missing session', jsonBody({ username: 'erin', newPassword }), 'session is required'],
    ['a missing new password', jsonBody({ username: 'erin', session }), 'newPassword is required'],
    ['a missing username', jsonBody({ session, newPassword }), 'username is required'],
    ['a session with spaces', jsonBody({ ...request, session: 'a b' }), 'session must be'],
    [
      'an overlong new password',
      jsonBody({ ...request, newPassword: 'x'.repeat(300) }),
      'newPassword must be at most 256',
    ],
  ])('answers %s with 400 without calling Cognito', async (_case, body, message) => {
    // Act
    const response = await passwordHandler()(passwordEvent(body));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '').message).toContain(message);
    expect(cognito.calls()).toHaveLength(0);
  });

  it('serves the default handler from COGNITO_CLIENT_ID', async () => {
    // Prepare
    vi.stubEnv('COGNITO_CLIENT_ID', 'env-client-id');
    vi.resetModules();
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    cognito.on(RespondToAuthChallengeCommand).resolves({ AuthenticationResult: tokens });
    const { handler } = await import('../../lambdas/handlers/password.ts');

    // Act
    const response = await handler(passwordEvent(jsonBody(request)));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(cognito).toHaveReceivedCommandWith(RespondToAuthChallengeCommand, { ClientId: 'env-client-id' });
    vi.restoreAllMocks();
  });
});
