/**
 * A user of the local identity provider, and the stable `sub` a user gets from their username when the
 * users file gives none.
 */
import { createHash } from 'node:crypto';

export interface LocalUser {
  readonly username: string;
  /** Stable and unique: the `sub` claim, Parley's user id. */
  readonly sub: string;
  readonly groups: readonly string[];
  /**
   * The user must choose a new password before getting tokens (`/login` answers NEW_PASSWORD_REQUIRED),
   * as a Cognito user created by an administrator with a temporary password must.
   */
  readonly mustChangePassword: boolean;
}

export interface StoredUser extends LocalUser {
  readonly passwordHash: string;
}

/** Namespace of the name-based (UUID v5) `sub`s derived from usernames. Changing it changes every sub. */
export const localSubNamespace = '6f1c2f3e-9b7a-4d53-8c2e-2d1f0a9e4b71';

/** RFC 9562 UUID version 5 (SHA-1, name-based): the same username always gets the same `sub`. */
export function uuidV5(name: string, namespace: string = localSubNamespace): string {
  const namespaceBytes = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const bytes = createHash('sha1').update(namespaceBytes).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
