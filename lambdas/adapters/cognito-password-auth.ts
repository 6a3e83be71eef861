/**
 * {@link PasswordAuthenticator} over Cognito's `InitiateAuth` (USER_PASSWORD_AUTH and
 * REFRESH_TOKEN_AUTH) and `RevokeToken`. The app client has no secret, so no SECRET_HASH or
 * ClientSecret is sent. None of these calls needs IAM permissions: Cognito authorizes them by the app
 * client id (and the token), not by the caller's credentials.
 */
import {
  type AuthenticationResultType,
  type CognitoIdentityProviderClient,
  InitiateAuthCommand,
  type InitiateAuthCommandOutput,
  RevokeTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type {
  LoginFailure,
  PasswordAuthenticator,
  RefreshFailure,
  RevokeFailure,
  RevokeOutcome,
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

export interface CognitoPasswordAuthenticatorProps {
  readonly client: CognitoIdentityProviderClient;
  /** The user pool app client (without a secret) with USER_PASSWORD_AUTH enabled. */
  readonly clientId: string;
  readonly logger: Logger;
}

export class CognitoPasswordAuthenticator implements PasswordAuthenticator {
  constructor(private readonly props: CognitoPasswordAuthenticatorProps) {}

  async login(username: string, password: string): Promise<Result<Tokens, LoginFailure>> {
    const outcome = await this.initiate('USER_PASSWORD_AUTH', { USERNAME: username, PASSWORD: password });
    if (!outcome.success) return fail(outcome.error === 'rejected' ? 'invalid-credentials' : 'throttled');
    const result = outcome.data;
    if (!result.RefreshToken) throw new Error('Cognito returned no refresh token after USER_PASSWORD_AUTH');
    return ok({ ...accessToken(result), refreshToken: result.RefreshToken });
  }

  async refresh(refreshToken: string): Promise<Result<Tokens, RefreshFailure>> {
    const outcome = await this.initiate('REFRESH_TOKEN_AUTH', { REFRESH_TOKEN: refreshToken });
    if (!outcome.success) return fail(outcome.error === 'rejected' ? 'invalid-refresh-token' : 'throttled');
    const result = outcome.data;
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

  private async initiate(
    flow: 'USER_PASSWORD_AUTH' | 'REFRESH_TOKEN_AUTH',
    parameters: Record<string, string>,
  ): Promise<Result<AuthenticationResultType, 'rejected' | 'throttled'>> {
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
      if (rejectedCredentials.has(name)) return fail('rejected');
      if (throttling.has(name)) return fail('throttled');
      throw error;
    }
    if (response.AuthenticationResult) return ok(response.AuthenticationResult);
    // A challenge (NEW_PASSWORD_REQUIRED, MFA …) cannot be completed over this API; the user cannot log
    // in here, so it is reported as rejected. The log names the challenge, never the user.
    this.props.logger.warn('login needs a challenge Parley does not support', {
      flow,
      challenge: response.ChallengeName ?? 'none',
    });
    return fail('rejected');
  }
}

function accessToken(result: AuthenticationResultType): Tokens {
  if (!result.AccessToken || result.ExpiresIn === undefined) {
    throw new Error('Cognito returned an authentication result without an access token or expiry');
  }
  return { token: result.AccessToken, expiresIn: result.ExpiresIn };
}
