/**
 * The port the credential functions (login, password, refresh, logout) talk through: Cognito on AWS,
 * the local identity provider on a laptop. Both return the same shapes, so the HTTP handlers are one
 * code path.
 */
import type { Result } from './result.ts';

export interface Tokens {
  /** The access token the WebSocket authorizer verifies. */
  readonly token: string;
  /** Present after a login, and after a refresh only when the issuer rotated it. */
  readonly refreshToken?: string;
  /** Seconds until `token` expires. */
  readonly expiresIn: number;
}

/**
 * The password was right, but the user must choose a new one before getting tokens: an account an
 * administrator created with a temporary password. `session` (opaque, a few minutes long) goes back
 * with the new password to {@link PasswordAuthenticator.completeNewPassword}.
 */
export interface NewPasswordChallenge {
  readonly challenge: 'NEW_PASSWORD_REQUIRED';
  readonly session: string;
}

/**
 * Unknown user, wrong password, unconfirmed user and required password reset are all
 * `invalid-credentials`, so a caller cannot tell which usernames exist. `too-many-failures`: the issuer
 * itself locked the user after failed attempts (Cognito's "Password attempts exceeded"). `throttled`
 * means the issuer is rate limiting calls: try later. Anything else (misconfiguration, outage) is thrown.
 */
export type LoginFailure = 'invalid-credentials' | 'too-many-failures' | 'throttled';
/**
 * `invalid-session`: the challenge session is unknown, expired, already used or for another user.
 * `password-rejected`: the new password does not meet the password policy.
 */
export type NewPasswordFailure = 'invalid-session' | 'password-rejected' | 'throttled';
export type RefreshFailure = 'invalid-refresh-token' | 'throttled';
/**
 * What revoking did. `unknown` (a token that was never valid, already revoked or expired) is not a
 * failure: logging out twice is harmless, and the caller learns nothing about which tokens exist
 * (RFC 7009 §2.2).
 */
export type RevokeOutcome = 'revoked' | 'unknown';
export type RevokeFailure = 'throttled';
/** Whose sessions were ended, or `unknown` for a refresh token that names nobody (any more). */
export type SignOutOutcome = { readonly username: string } | 'unknown';

export interface PasswordAuthenticator {
  login(username: string, password: string): Promise<Result<Tokens | NewPasswordChallenge, LoginFailure>>;
  /** Answers a {@link NewPasswordChallenge}: sets the new password and issues tokens. */
  completeNewPassword(
    username: string,
    session: string,
    newPassword: string,
  ): Promise<Result<Tokens, NewPasswordFailure>>;
  refresh(refreshToken: string): Promise<Result<Tokens, RefreshFailure>>;
  /** Revokes a refresh token: afterwards `refresh` with it fails as `invalid-refresh-token`. */
  revoke(refreshToken: string): Promise<Result<RevokeOutcome, RevokeFailure>>;
  /**
   * Ends every session of the refresh token's user: all their refresh tokens stop working, this one
   * included. Access tokens already issued stay valid until they expire (JWTs are verified offline).
   */
  signOutEverywhere(refreshToken: string): Promise<Result<SignOutOutcome, RevokeFailure>>;
}

/** True when a login answer is a challenge rather than tokens. */
export function isChallenge(outcome: Tokens | NewPasswordChallenge): outcome is NewPasswordChallenge {
  return 'challenge' in outcome;
}
