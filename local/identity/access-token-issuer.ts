/**
 * Signs access tokens shaped like Cognito's, so the authorizer and the rest of Parley see the same
 * claims locally as on AWS: RS256, `kid` = the key's thumbprint, `token_use: "access"`, `client_id`,
 * `username`, `cognito:groups` (omitted when empty, as Cognito does), plus an `aud` for OIDC-mode checks.
 */
import { randomUUID, sign } from 'node:crypto';
import type { Clock } from '../../lambdas/core/ports.ts';
import type { SigningKey } from './signing-key.ts';
import type { LocalUser } from './user-directory.ts';

export const defaultTokenTtlSeconds = 3600;

export interface AccessTokenIssuerProps {
  readonly signingKey: SigningKey;
  /** The `iss` claim. */
  readonly issuer: string;
  /** The `client_id` and `aud` claims. */
  readonly clientId: string;
  /** @default 3600 */
  readonly ttlSeconds?: number;
  /** Epoch milliseconds. @default Date.now */
  readonly now?: Clock;
}

export interface IssuedAccessToken {
  readonly token: string;
  readonly expiresIn: number;
}

export class AccessTokenIssuer {
  readonly ttlSeconds: number;
  private readonly now: Clock;

  constructor(private readonly props: AccessTokenIssuerProps) {
    this.ttlSeconds = props.ttlSeconds ?? defaultTokenTtlSeconds;
    this.now = props.now ?? Date.now;
  }

  issue(user: LocalUser, authTime?: number): IssuedAccessToken {
    const issuedAt = Math.floor(this.now() / 1000);
    const header = { alg: 'RS256', kid: this.props.signingKey.kid, typ: 'JWT' };
    const claims = {
      sub: user.sub,
      iss: this.props.issuer,
      client_id: this.props.clientId,
      aud: this.props.clientId,
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      auth_time: authTime ?? issuedAt,
      iat: issuedAt,
      exp: issuedAt + this.ttlSeconds,
      jti: randomUUID(),
      username: user.username,
      ...(user.groups.length > 0 ? { 'cognito:groups': [...user.groups] } : {}),
    };
    const signingInput = `${base64url(header)}.${base64url(claims)}`;
    const signature = sign('sha256', Buffer.from(signingInput), this.props.signingKey.privateKey).toString(
      'base64url',
    );
    return { token: `${signingInput}.${signature}`, expiresIn: this.ttlSeconds };
  }
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
