/**
 * The local identity provider's users: the built-in demo users, or those of a JSON users file.
 * Passwords are kept only as scrypt hashes; each user has a stable `sub`.
 *
 * Users file (see README.md):
 *   { "users": [ { "username": "alice", "passwordHash": "$scrypt$ln=14,r=8,p=1$…$…",
 *                  "groups": ["moderator"], "sub": "optional, stable id" } ] }
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { usernamePattern } from '../../lambdas/core/credentials.ts';
import { ConfigurationError } from '../../lambdas/core/errors.ts';
import { hashPassword, isPasswordHash, verifyPassword } from './password-hash.ts';

export interface LocalUser {
  readonly username: string;
  /** Stable and unique: the `sub` claim, Parley's user id. */
  readonly sub: string;
  readonly groups: readonly string[];
}

interface StoredUser extends LocalUser {
  readonly passwordHash: string;
}

/** The demo users the tutorial's examples log in with. Their passwords are public: local use only. */
export const demoUsers: readonly {
  readonly username: string;
  readonly password: string;
  readonly groups: readonly string[];
}[] = [
  { username: 'alice', password: 'password1', groups: [] },
  { username: 'bob', password: 'password2', groups: [] },
  { username: 'carol', password: 'password3', groups: ['moderator'] },
  { username: 'dave', password: 'password4', groups: ['admin'] },
];

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

export class UserDirectory {
  private readonly byUsername: ReadonlyMap<string, StoredUser>;

  private constructor(
    users: readonly StoredUser[],
    /** Verified against when the username is unknown, so both failures take the same time. */
    private readonly dummyHash: string,
  ) {
    this.byUsername = new Map(users.map((user) => [user.username, user]));
  }

  /** The demo users (alice, bob, carol, dave), hashed at start with fresh salts. */
  static async demo(): Promise<UserDirectory> {
    const users = await Promise.all(
      demoUsers.map(async ({ username, password, groups }) => ({
        username,
        groups,
        sub: uuidV5(username),
        passwordHash: await hashPassword(password),
      })),
    );
    return new UserDirectory(users, await hashPassword('dummy password for unknown users'));
  }

  /** Reads and validates a users file; every problem in it is reported at once. */
  static async fromFile(path: string): Promise<UserDirectory> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new ConfigurationError([`users file ${path} cannot be read: ${(error as Error).message}`]);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new ConfigurationError([`users file ${path} is not valid JSON: ${(error as Error).message}`]);
    }
    return new UserDirectory(
      parseUsers(parsed, path),
      await hashPassword('dummy password for unknown users'),
    );
  }

  find(username: string): LocalUser | undefined {
    const user = this.byUsername.get(username);
    return user && { username: user.username, sub: user.sub, groups: user.groups };
  }

  /** The user when the password matches; `undefined` for a wrong password or an unknown user alike. */
  async authenticate(username: string, password: string): Promise<LocalUser | undefined> {
    const user = this.byUsername.get(username);
    const matches = await verifyPassword(password, user?.passwordHash ?? this.dummyHash);
    return user && matches ? this.find(username) : undefined;
  }
}

function parseUsers(parsed: unknown, path: string): StoredUser[] {
  const problems: string[] = [];
  const entries = (parsed as { users?: unknown } | null)?.users;
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray(entries)) {
    throw new ConfigurationError([`users file ${path} must be an object with a "users" array`]);
  }
  const users: StoredUser[] = [];
  const seenUsernames = new Set<string>();
  const seenSubs = new Set<string>();
  entries.forEach((entry: unknown, index) => {
    const at = `${path}: users[${index}]`;
    if (typeof entry !== 'object' || entry === null) {
      problems.push(`${at} must be an object`);
      return;
    }
    const { username, passwordHash, groups = [], sub, password } = entry as Record<string, unknown>;
    if (password !== undefined) problems.push(`${at} has a plain "password"; store "passwordHash" instead`);
    if (typeof username !== 'string' || !usernamePattern.test(username)) {
      problems.push(
        `${at}.username must be 1 to 128 characters with no spaces, got ${JSON.stringify(username)}`,
      );
      return;
    }
    if (seenUsernames.has(username)) problems.push(`${at}.username "${username}" appears more than once`);
    seenUsernames.add(username);
    if (typeof passwordHash !== 'string' || !isPasswordHash(passwordHash)) {
      problems.push(
        `${at}.passwordHash must be "$scrypt$ln=..,r=..,p=..$<salt>$<hash>" (see hash-password.ts)`,
      );
    }
    if (!Array.isArray(groups) || !groups.every((group) => typeof group === 'string' && group !== '')) {
      problems.push(`${at}.groups must be an array of non-empty strings`);
    }
    if (sub !== undefined && (typeof sub !== 'string' || sub === '' || sub.length > 128)) {
      problems.push(`${at}.sub must be a string of 1 to 128 characters when given`);
    }
    const userSub = typeof sub === 'string' && sub !== '' ? sub : uuidV5(username);
    if (seenSubs.has(userSub)) problems.push(`${at}.sub "${userSub}" is used by another user`);
    seenSubs.add(userSub);
    users.push({
      username,
      sub: userSub,
      groups: Array.isArray(groups)
        ? groups.filter((group): group is string => typeof group === 'string')
        : [],
      passwordHash: typeof passwordHash === 'string' ? passwordHash : '',
    });
  });
  if (problems.length > 0) throw new ConfigurationError(problems);
  return users;
}
