/**
 * {@link PasswordAuthenticator} over Cognito's `InitiateAuth` (USER_PASSWORD_AUTH and
 * REFRESH_TOKEN_AUTH), `RespondToAuthChallenge` (NEW_PASSWORD_REQUIRED), `RevokeToken` and
 * `GlobalSignOut`. The app client has no secret, so no SECRET_HASH or ClientSecret is sent. None of
 * these calls needs IAM permissions: Cognito authorizes them by the app client id and the tokens, not by
 * the caller's credentials.
 */
import {
  type AuthenticationResultType,
  type CognitoIdentityProviderClient,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  type InitiateAuthCommandOutput,
  RespondToAuthChallengeCommand,
  type RespondToAuthChallengeCommandOutput,
  RevokeTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type {
  LoginFailure,
  NewPasswordChallenge,
  NewPasswordFailure,
  PasswordAuthenticator,
  RefreshFailure,
  RevokeFailure,
  RevokeOutcome,
  SignOutOutcome,
  Tokens,
} from '../core/password-authenticator.ts';
import type { Logger } from '../core/ports.ts';
import { fail, ok, type Result } from '../core/result.ts';

/** Cognito errors that mean "these credentials do not get you in", reported identically. */
const rejectedCredentials = new Set([
  'NotAuthorizedException',
  'UserNotFoundException',
  'PasswordResetRequiredException',
  'UserNotConfirmedException',
]);
/**
 * RevokeToken errors that mean "this is not a live refresh token of this client": malformed, not a
 * refresh token, or issued to another client. Revoking such a token has nothing to do.
 */
const unknownToken = new Set([
  'InvalidParameterException',
  'UnsupportedTokenTypeException',
  'UnauthorizedException',
  'NotAuthorizedException',
]);
const throttling = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'TooManyFailedAttemptsException',
]);
/** RespondToAuthChallenge errors that mean the session is no good (expired, used, another user's). */
const invalidSession = new Set([
  'NotAuthorizedException',
  'CodeMismatchException',
  'ExpiredCodeException',
  'UserNotFoundException',
]);

/**
 * Cognito's own lockout after failed sign-ins is a NotAuthorizedException like a wrong password; only
 * its message tells them apart.
 */
const issuerLockoutMessage = /password attempts exceeded/i;

export interface CognitoPasswordAuthenticatorProps {
  readonly client: CognitoIdentityProviderClient;
  /** The user pool app client (without a secret) with USER_PASSWORD_AUTH enabled. */
  readonly clientId: string;
  readonly logger: Logger;
}

type Initiated = Result<AuthenticationResultType | NewPasswordChallenge, 'rejected' | 'locked' | 'throttled'>;

export class CognitoPasswordAuthenticator implements PasswordAuthenticator {
  constructor(private readonly props: CognitoPasswordAuthenticatorProps) {}

  async login(
    username: string,
    password: string,
  ): Promise<Result<Tokens | NewPasswordChallenge, LoginFailure>> {
    const outcome = await this.initiate('USER_PASSWORD_AUTH', { USERNAME: username, PASSWORD: password });
    if (!outcome.success) return fail(loginFailureOf(outcome.error));
    const result = outcome.data;
    if ('challenge' in result) return ok(result);
    if (!result.RefreshToken) throw new Error('Cognito returned no refresh token after USER_PASSWORD_AUTH');
    return ok({ ...accessToken(result), refreshToken: result.RefreshToken });
  }

  /** Answers NEW_PASSWORD_REQUIRED; Cognito checks the password policy and the session. */
  async completeNewPassword(
    username: string,
    session: string,
    newPassword: string,
  ): Promise<Result<Tokens, NewPasswordFailure>> {
    let response: RespondToAuthChallengeCommandOutput;
    try {
      response = await this.props.client.send(
        new RespondToAuthChallengeCommand({
          ClientId: this.props.clientId,
          ChallengeName: 'NEW_PASSWORD_REQUIRED',
          Session: session,
          ChallengeResponses: { USERNAME: username, NEW_PASSWORD: newPassword },
        }),
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'InvalidPasswordException') return fail('password-rejected');
      if (invalidSession.has(name)) return fail('invalid-session');
      if (throttling.has(name)) return fail('throttled');
      throw error;
    }
    const result = response.AuthenticationResult;
    if (!result) {
      // Another challenge (MFA …) that Parley cannot complete; the log names it, never the user.
      this.props.logger.warn('new password needs a further challenge Parley does not support', {
        challenge: response.ChallengeName ?? 'none',
      });
      return fail('invalid-session');
    }
    if (!result.RefreshToken)
      throw new Error('Cognito returned no refresh token after NEW_PASSWORD_REQUIRED');
    return ok({ ...accessToken(result), refreshToken: result.RefreshToken });
  }

  async refresh(refreshToken: string): Promise<Result<Tokens, RefreshFailure>> {
    const outcome = await this.initiate('REFRESH_TOKEN_AUTH', { REFRESH_TOKEN: refreshToken });
    if (!outcome.success) return fail(outcome.error === 'throttled' ? 'throttled' : 'invalid-refresh-token');
    const result = outcome.data;
    if ('challenge' in result) return fail('invalid-refresh-token');
    // Cognito returns a new refresh token only when refresh-token rotation is enabled on the client.
    return ok({
      ...accessToken(result),
      ...(result.RefreshToken ? { refreshToken: result.RefreshToken } : {}),
    });
  }

  /**
   * Cognito's RevokeToken also invalidates the access tokens issued from this refresh token for Cognito's
   * own APIs; a JWT verifier (the authorizer) still accepts them until they expire. Needs token
   * revocation enabled on the app client (CDK's default); without it Cognito answers
   * `UnsupportedOperationException`, which is thrown as a misconfiguration.
   */
  async revoke(refreshToken: string): Promise<Result<RevokeOutcome, RevokeFailure>> {
    try {
      await this.props.client.send(
        new RevokeTokenCommand({ ClientId: this.props.clientId, Token: refreshToken }),
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (unknownToken.has(name)) {
        this.props.logger.info('refresh token not revoked', { errorName: name });
        return ok('unknown');
      }
      if (throttling.has(name)) return fail('throttled');
      throw error;
    }
    return ok('revoked');
  }

  /**
   * A refresh token does not say whose it is, so this first spends it on REFRESH_TOKEN_AUTH: the access
   * token Cognito answers with names the user (read from the JWT Cognito just returned over TLS, so not
   * verified again) and is what `GlobalSignOut` takes. GlobalSignOut, unlike RevokeToken, ends every
   * session of the user: all their refresh tokens, this one included, stop working.
   */
  async signOutEverywhere(refreshToken: string): Promise<Result<SignOutOutcome, RevokeFailure>> {
    const outcome = await this.initiate('REFRESH_TOKEN_AUTH', { REFRESH_TOKEN: refreshToken });
    if (!outcome.success) return outcome.error === 'throttled' ? fail('throttled') : ok('unknown');
    const result = outcome.data;
    if ('challenge' in result || !result.AccessToken) return ok('unknown');
    const username = usernameIn(result.AccessToken);
    try {
      await this.props.client.send(new GlobalSignOutCommand({ AccessToken: result.AccessToken }));
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (throttling.has(name)) return fail('throttled');
      throw error;
    }
    return ok(username === undefined ? 'unknown' : { username });
  }

  private async initiate(
    flow: 'USER_PASSWORD_AUTH' | 'REFRESH_TOKEN_AUTH',
    parameters: Record<string, string>,
  ): Promise<Initiated> {
    let response: InitiateAuthCommandOutput;
    try {
      response = await this.props.client.send(
        new InitiateAuthCommand({
          AuthFlow: flow,
          ClientId: this.props.clientId,
          AuthParameters: parameters,
        }),
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'NotAuthorizedException' && issuerLockoutMessage.test((error as Error).message)) {
        return fail('locked');
      }
      if (rejectedCredentials.has(name)) return fail('rejected');
      if (throttling.has(name)) return fail('throttled');
      throw error;
    }
    if (response.AuthenticationResult) return ok(response.AuthenticationResult);
    if (response.ChallengeName === 'NEW_PASSWORD_REQUIRED' && response.Session) {
      return ok({ challenge: 'NEW_PASSWORD_REQUIRED', session: response.Session });
    }
    // Any other challenge (MFA …) cannot be completed over this API; the user cannot log in here, so it
    // is reported as rejected. The log names the challenge, never the user.
    this.props.logger.warn('login needs a challenge Parley does not support', {
      flow,
      challenge: response.ChallengeName ?? 'none',
    });
    return fail('rejected');
  }
}

function loginFailureOf(error: 'rejected' | 'locked' | 'throttled'): LoginFailure {
  if (error === 'locked') return 'too-many-failures';
  return error === 'throttled' ? 'throttled' : 'invalid-credentials';
}

function accessToken(result: AuthenticationResultType): Tokens {
  if (!result.AccessToken || result.ExpiresIn === undefined) {
    throw new Error('Cognito returned an authentication result without an access token or expiry');
  }
  return { token: result.AccessToken, expiresIn: result.ExpiresIn };
}

/** The `username` claim of a Cognito access token. */
function usernameIn(jwt: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      username?: unknown;
    };
    return typeof payload.username === 'string' && payload.username !== '' ? payload.username : undefined;
  } catch {
    return undefined;
  }
}
