/**
 * Who is on the other end of a connection. Built by the authorizer from a verified token, carried to
 * `$connect` in the authorizer context, stored with the connection; never taken from a message body.
 */
export interface Identity {
  /** The token's `sub`: stable, unique, never reused. */
  readonly userId: string;
  /** A display name (Cognito `username`, or the configured claim). */
  readonly username: string;
  readonly groups: readonly string[];
  /** Epoch seconds at which the token that authenticated this connection expires. */
  readonly tokenExpiresAt: number;
}

/**
 * The authorizer's `context` map. API Gateway stringifies every value and allows no arrays, so groups
 * travel as a JSON-encoded array.
 */
export interface AuthorizerContext {
  readonly userId: string;
  readonly username: string;
  readonly groups: string;
  readonly tokenExpiresAt: string;
}

export function toAuthorizerContext(identity: Identity): AuthorizerContext {
  return {
    userId: identity.userId,
    username: identity.username,
    groups: JSON.stringify(identity.groups),
    tokenExpiresAt: String(identity.tokenExpiresAt),
  };
}

/**
 * Reads the identity back from `requestContext.authorizer`. Returns undefined when the context is not
 * one our authorizer produced, which handlers treat as a server fault, not a client error.
 */
export function fromAuthorizerContext(context: unknown): Identity | undefined {
  if (typeof context !== 'object' || context === null) return undefined;
  const { userId, username, groups, tokenExpiresAt } = context as Record<string, unknown>;
  if (typeof userId !== 'string' || userId === '' || typeof username !== 'string') return undefined;
  const expiresAt = Number(tokenExpiresAt);
  if (!Number.isFinite(expiresAt)) return undefined;
  let parsedGroups: unknown = [];
  try {
    parsedGroups = typeof groups === 'string' && groups !== '' ? JSON.parse(groups) : [];
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsedGroups) || !parsedGroups.every((group) => typeof group === 'string'))
    return undefined;
  return { userId, username, groups: parsedGroups, tokenExpiresAt: expiresAt };
}
