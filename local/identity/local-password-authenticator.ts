/**
 * {@link PasswordAuthenticator} for the local stack: users from the {@link UserDirectory}, access tokens
 * from the {@link AccessTokenIssuer}, refresh tokens from the {@link RefreshTokenStore}. Plugged into the
 * same login, refresh and logout handlers as Cognito on AWS.
 */
import type {
  LoginFailure,
  PasswordAuthenticator,
  RefreshFailure,
  RevokeFailure,
  RevokeOutcome,
  Tokens,
} from '../../lambdas/core/password-authenticator.ts';
import { fail, ok, type Result } from '../../lambdas/core/result.ts';
import type { AccessTokenIssuer } from './access-token-issuer.ts';
import type { RefreshTokenStore } from './refresh-token-store.ts';
import type { UserDirectory } from './user-directory.ts';

export interface LocalPasswordAuthenticatorProps {
  readonly users: UserDirectory;
  readonly issuer: AccessTokenIssuer;
  readonly refreshTokens: RefreshTokenStore;
}

export class LocalPasswordAuthenticator implements PasswordAuthenticator {
  constructor(private readonly props: LocalPasswordAuthenticatorProps) {}

  async login(username: string, password: string): Promise<Result<Tokens, LoginFailure>> {
    const user = await this.props.users.authenticate(username, password);
    if (!user) return fail('invalid-credentials');
    const { token, expiresIn } = this.props.issuer.issue(user);
    const refreshToken = await this.props.refreshTokens.issue(user);
    return ok({ token, refreshToken, expiresIn });
  }

  /** Like Cognito without rotation: a new access token, the same refresh token. */
  async refresh(refreshToken: string): Promise<Result<Tokens, RefreshFailure>> {
    const record = this.props.refreshTokens.find(refreshToken);
    // The user may have left the users file since the token was issued, or been re-created with a new sub.
    const user = record && this.props.users.find(record.username);
    if (!record || !user || user.sub !== record.sub) return fail('invalid-refresh-token');
    const { token, expiresIn } = this.props.issuer.issue(user, record.issuedAt);
    return ok({ token, expiresIn });
  }

  /** Like Cognito's RevokeToken: the refresh token stops working; an unknown one is not an error. */
  async revoke(refreshToken: string): Promise<Result<RevokeOutcome, RevokeFailure>> {
    return ok((await this.props.refreshTokens.revoke(refreshToken)) ? 'revoked' : 'unknown');
  }
}
