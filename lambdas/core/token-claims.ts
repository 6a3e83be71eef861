/**
 * Verified token claims → {@link Identity}. Runs only after the signature, issuer, audience and expiry
 * have been checked; it decides which claims name the user, not whether to trust them.
 */
import type { Identity } from './identity.ts';
import { fail, ok, type Result } from './result.ts';

/** Why verified claims still cannot identify a user. */
export type ClaimsRejection = 'TokenSubjectMissing' | 'TokenExpiryMissing';

/** Display-name claims, most specific first; `sub` is the last resort. */
const usernameClaims = ['username', 'cognito:username', 'preferred_username'] as const;
/** Group claims: Cognito's first, then the common OIDC spelling. */
const groupClaims = ['cognito:groups', 'groups'] as const;

/**
 * Maps verified claims to an identity:
 * - `userId` = `sub` (required: a token without a subject identifies nobody);
 * - `username` = `username` ?? `cognito:username` ?? `preferred_username` ?? `sub`;
 * - `groups` = `cognito:groups` ?? `groups` when it is an array of strings, else `[]`;
 * - `tokenExpiresAt` = `exp` (required: aws-jwt-verify accepts tokens without `exp`, Parley does not).
 */
export function identityFromClaims(
  claims: Readonly<Record<string, unknown>>,
): Result<Identity, ClaimsRejection> {
  const sub = nonEmptyString(claims.sub);
  if (sub === undefined) return fail('TokenSubjectMissing');
  const exp = claims.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return fail('TokenExpiryMissing');
  return ok({
    userId: sub,
    username: firstString(claims, usernameClaims) ?? sub,
    groups: firstGroups(claims),
    tokenExpiresAt: exp,
  });
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function firstString(
  claims: Readonly<Record<string, unknown>>,
  names: readonly string[],
): string | undefined {
  for (const name of names) {
    const value = nonEmptyString(claims[name]);
    if (value !== undefined) return value;
  }
  return undefined;
}

function firstGroups(claims: Readonly<Record<string, unknown>>): readonly string[] {
  for (const name of groupClaims) {
    const value = claims[name];
    if (value === undefined || value === null) continue;
    return Array.isArray(value) && value.every((group) => typeof group === 'string') ? [...value] : [];
  }
  return [];
}
