/**
 * {@link PasswordAuthenticator} for the local stack: users from the {@link UserDirectory}, access tokens
 * from the {@link AccessTokenIssuer}, refresh tokens from the {@link RefreshTokenStore}. Plugged into the
 * same login, password, refresh and logout handlers as Cognito on AWS, and answering as Cognito does:
 * a user marked `mustChangePassword` gets NEW_PASSWORD_REQUIRED with a session valid for 3 minutes.
 */
import { createHash, randomBytes } from 'node:crypto';
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
} from '../../lambdas/core/password-authenticator.ts';
import { meetsPasswordPolicy } from '../../lambdas/core/password-policy.ts';
import type { Clock } from '../../lambdas/core/ports.ts';
import { fail, ok, type Result } from '../../lambdas/core/result.ts';
import type { AccessTokenIssuer } from './access-token-issuer.ts';
import type { RefreshTokenStore } from './refresh-token-store.ts';
import type { LocalUser, UserDirectory } from './user-directory.ts';

/** Cognito's challenge sessions last 3 minutes. */
export const challengeSessionSeconds = 180;

export interface LocalPasswordAuthenticatorProps {
  readonly users: UserDirectory;
  readonly issuer: AccessTokenIssuer;
  readonly refreshTokens: RefreshTokenStore;
  /** Epoch milliseconds. @default Date.now */
  readonly now?: Clock;
}

export class LocalPasswordAuthenticator implements PasswordAuthenticator {
  /** Open NEW_PASSWORD_REQUIRED sessions by the SHA-256 of the session: whose, and until when (epoch ms). */
  private readonly sessions = new Map<string, { readonly username: string; readonly until: number }>();
  private readonly now: Clock;

  constructor(private readonly props: LocalPasswordAuthenticatorProps) {
    this.now = props.now ?? Date.now;
  }

  async login(
    username: string,
    password: string,
  ): Promise<Result<Tokens | NewPasswordChallenge, LoginFailure>> {
    const user = await this.props.users.authenticate(username, password);
    if (!user) return fail('invalid-credentials');
    if (user.mustChangePassword) return ok(this.challenge(user));
    return ok(await this.tokensFor(user));
  }

  async completeNewPassword(
    username: string,
    session: string,
    newPassword: string,
  ): Promise<Result<Tokens, NewPasswordFailure>> {
    const key = digest(session);
    const open = this.sessions.get(key);
    if (!open || open.until <= this.now() || open.username !== username) {
      this.sessions.delete(key);
      return fail('invalid-session');
    }
    // Like Cognito, a password the policy refuses leaves the session open for another try.
    if (!meetsPasswordPolicy(newPassword)) return fail('password-rejected');
    this.sessions.delete(key);
    if (!(await this.props.users.setPassword(username, newPassword, false))) return fail('invalid-session');
    const user = await this.props.users.find(username);
    return user ? ok(await this.tokensFor(user)) : fail('invalid-session');
  }

  /** Like Cognito without rotation: a new access token, the same refresh token. */
  async refresh(refreshToken: string): Promise<Result<Tokens, RefreshFailure>> {
    const record = this.props.refreshTokens.find(refreshToken);
    // The user may have left the users file since the token was issued, or been re-created with a new sub.
    const user = record && (await this.props.users.find(record.username));
    if (!record || !user || user.sub !== record.sub) return fail('invalid-refresh-token');
    const { token, expiresIn } = this.props.issuer.issue(user, record.issuedAt);
    return ok({ token, expiresIn });
  }

  /** Like Cognito's RevokeToken: the refresh token stops working; an unknown one is not an error. */
  async revoke(refreshToken: string): Promise<Result<RevokeOutcome, RevokeFailure>> {
    return ok((await this.props.refreshTokens.revoke(refreshToken)) ? 'revoked' : 'unknown');
  }

  /** Like Cognito's GlobalSignOut: every refresh token of the user stops working. */
  async signOutEverywhere(refreshToken: string): Promise<Result<SignOutOutcome, RevokeFailure>> {
    const record = this.props.refreshTokens.find(refreshToken);
    if (!record) return ok('unknown');
    await this.props.refreshTokens.revokeAllFor(record.username);
    return ok({ username: record.username });
  }

  private challenge(user: LocalUser): NewPasswordChallenge {
    const now = this.now();
    for (const [key, open] of this.sessions) if (open.until <= now) this.sessions.delete(key);
    const session = randomBytes(32).toString('base64url');
    this.sessions.set(digest(session), {
      username: user.username,
      until: now + challengeSessionSeconds * 1000,
    });
    return { challenge: 'NEW_PASSWORD_REQUIRED', session };
  }

  private async tokensFor(user: LocalUser): Promise<Tokens> {
    const { token, expiresIn } = this.props.issuer.issue(user);
    const refreshToken = await this.props.refreshTokens.issue(user);
    return { token, refreshToken, expiresIn };
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
