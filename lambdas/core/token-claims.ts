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
/** Where Cognito puts a user's groups. */
export const cognitoGroupsClaim = 'cognito:groups';

/**
 * Maps verified claims to an identity:
 * - `userId` = `sub` (required: a token without a subject identifies nobody);
 * - `username` = `username` ?? `cognito:username` ?? `preferred_username` ?? `sub`;
 * - `groups` = the `groupsClaim` claim when it is an array of strings, else `[]`. One claim only, the
 *   one the issuer is configured with: another issuer may let users set a claim that happens to be
 *   called `groups` or `cognito:groups`, and global roles must never come from such a claim;
 * - `tokenExpiresAt` = `exp` (required: aws-jwt-verify accepts tokens without `exp`, Parley does not).
 */
export function identityFromClaims(
  claims: Readonly<Record<string, unknown>>,
  groupsClaim: string = cognitoGroupsClaim,
): Result<Identity, ClaimsRejection> {
  const sub = nonEmptyString(claims.sub);
  if (sub === undefined) return fail('TokenSubjectMissing');
  const exp = claims.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return fail('TokenExpiryMissing');
  return ok({
    userId: sub,
    username: firstString(claims, usernameClaims) ?? sub,
    groups: groupsIn(Object.hasOwn(claims, groupsClaim) ? claims[groupsClaim] : undefined),
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

function groupsIn(value: unknown): readonly string[] {
  return Array.isArray(value) && value.every((group) => typeof group === 'string') ? [...value] : [];
}
