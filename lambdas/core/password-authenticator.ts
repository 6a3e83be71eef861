/**
 * The port the login, refresh and logout functions talk through: Cognito on AWS, the local identity provider
 * on a laptop. Both return the same shapes, so the HTTP handlers are one code path.
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
 * Unknown user, wrong password, unconfirmed user and required password reset are all
 * `invalid-credentials`, so a caller cannot tell which usernames exist. `throttled` means try later.
 * Anything else (misconfiguration, outage) is thrown.
 */
export type LoginFailure = 'invalid-credentials' | 'throttled';
export type RefreshFailure = 'invalid-refresh-token' | 'throttled';
/**
 * What revoking did. `unknown` (a token that was never valid, already revoked or expired) is not a
 * failure: logging out twice is harmless, and the caller learns nothing about which tokens exist
 * (RFC 7009 §2.2).
 */
export type RevokeOutcome = 'revoked' | 'unknown';
export type RevokeFailure = 'throttled';

export interface PasswordAuthenticator {
  login(username: string, password: string): Promise<Result<Tokens, LoginFailure>>;
  refresh(refreshToken: string): Promise<Result<Tokens, RefreshFailure>>;
  /** Revokes a refresh token: afterwards `refresh` with it fails as `invalid-refresh-token`. */
  revoke(refreshToken: string): Promise<Result<RevokeOutcome, RevokeFailure>>;
}
