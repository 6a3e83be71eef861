/**
 * The local identity provider's users: the built-in demo users, or those of a JSON users file.
 * Passwords are kept only as scrypt hashes; each user has a stable `sub`.
 *
 * Users file (see README.md):
 *   { "users": [ { "username": "alice", "passwordHash": "$scrypt$ln=14,r=8,p=1$…$…",
 *                  "groups": ["moderator"], "sub": "optional, stable id", "mustChangePassword": true } ] }
 *
 * A directory opened on a file reads it again whenever it changes (`npm run users` edits it while
 * `npm start` runs), and writes a changed password back to it, atomically and with mode 0600.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { usernamePattern } from '../../lambdas/core/credentials.ts';
import { ConfigurationError } from '../../lambdas/core/errors.ts';
import { hashPassword, isPasswordHash, verifyPassword } from './password-hash.ts';

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

/** A users file's contents, as written. */
interface UsersFile {
  readonly users: readonly {
    readonly username: string;
    readonly passwordHash: string;
    readonly groups?: readonly string[];
    readonly sub?: string;
    readonly mustChangePassword?: boolean;
  }[];
}

export class UserDirectory {
  private byUsername: ReadonlyMap<string, StoredUser>;
  /** The file's size and modification time when last read; a change means read it again. */
  private seen = '';

  private constructor(
    users: readonly StoredUser[],
    /** Verified against when the username is unknown, so both failures take the same time. */
    private readonly dummyHash: string,
    /** The users file this directory reads and writes; in memory only when absent. */
    readonly file?: string,
  ) {
    this.byUsername = new Map(users.map((user) => [user.username, user]));
  }

  /** The demo users (alice, bob, carol, dave), hashed at start with fresh salts, in memory. */
  static async demo(): Promise<UserDirectory> {
    return new UserDirectory(await hashedDemoUsers(), await dummyHash());
  }

  /** Reads and validates a users file; every problem in it is reported at once. */
  static async fromFile(path: string): Promise<UserDirectory> {
    const directory = new UserDirectory(await readUsersFile(path), await dummyHash(), path);
    directory.seen = await fileVersion(path);
    return directory;
  }

  /**
   * The users file at `path`, created with the demo users when it does not exist yet: what `npm start`
   * does with its data directory, so the demo users keep working and `npm run users` can add others.
   */
  static async openOrCreate(
    path: string,
    seed: 'demo users' | 'no users' = 'demo users',
  ): Promise<UserDirectory> {
    if ((await fileVersion(path)) === '') {
      await writeUsersFile(path, seed === 'demo users' ? await hashedDemoUsers() : []);
    }
    return UserDirectory.fromFile(path);
  }

  /** Every user, sorted by username. */
  async list(): Promise<LocalUser[]> {
    await this.reloadIfChanged();
    return [...this.byUsername.values()]
      .map((user) => publicView(user))
      .sort((a, b) => a.username.localeCompare(b.username));
  }

  async find(username: string): Promise<LocalUser | undefined> {
    await this.reloadIfChanged();
    const user = this.byUsername.get(username);
    return user && publicView(user);
  }

  /** The user when the password matches; `undefined` for a wrong password or an unknown user alike. */
  async authenticate(username: string, password: string): Promise<LocalUser | undefined> {
    await this.reloadIfChanged();
    const user = this.byUsername.get(username);
    const matches = await verifyPassword(password, user?.passwordHash ?? this.dummyHash);
    return user && matches ? publicView(user) : undefined;
  }

  /** Adds a user; throws ConfigurationError when the username is taken or invalid. */
  async add(
    username: string,
    password: string,
    options: { readonly groups?: readonly string[]; readonly mustChangePassword?: boolean } = {},
  ): Promise<LocalUser> {
    await this.reloadIfChanged();
    if (!usernamePattern.test(username)) {
      throw new ConfigurationError([
        `username must be 1 to 128 characters with no spaces, got ${JSON.stringify(username)}`,
      ]);
    }
    if (this.byUsername.has(username)) throw new ConfigurationError([`user "${username}" already exists`]);
    const sub = uuidV5(username);
    if ([...this.byUsername.values()].some((user) => user.sub === sub)) {
      throw new ConfigurationError([`the sub of "${username}" is used by another user`]);
    }
    const user: StoredUser = {
      username,
      sub,
      groups: [...(options.groups ?? [])],
      mustChangePassword: options.mustChangePassword ?? false,
      passwordHash: await hashPassword(password),
    };
    await this.replace([...this.byUsername.values(), user]);
    return publicView(user);
  }

  /** Removes a user; false when there was none. */
  async remove(username: string): Promise<boolean> {
    await this.reloadIfChanged();
    if (!this.byUsername.has(username)) return false;
    await this.replace([...this.byUsername.values()].filter((user) => user.username !== username));
    return true;
  }

  /** Sets a user's password, and whether they must change it at their next login; false for an unknown user. */
  async setPassword(username: string, password: string, mustChangePassword: boolean): Promise<boolean> {
    await this.reloadIfChanged();
    const user = this.byUsername.get(username);
    if (!user) return false;
    const changed: StoredUser = { ...user, mustChangePassword, passwordHash: await hashPassword(password) };
    await this.replace(
      [...this.byUsername.values()].map((other) => (other.username === username ? changed : other)),
    );
    return true;
  }

  private async replace(users: readonly StoredUser[]): Promise<void> {
    if (this.file) {
      await writeUsersFile(this.file, users);
      this.seen = await fileVersion(this.file);
    }
    this.byUsername = new Map(users.map((user) => [user.username, user]));
  }

  private async reloadIfChanged(): Promise<void> {
    if (!this.file) return;
    const version = await fileVersion(this.file);
    if (version === this.seen) return;
    this.byUsername = new Map((await readUsersFile(this.file)).map((user) => [user.username, user]));
    this.seen = version;
  }
}

function publicView({ username, sub, groups, mustChangePassword }: StoredUser): LocalUser {
  return { username, sub, groups, mustChangePassword };
}

function hashedDemoUsers(): Promise<StoredUser[]> {
  return Promise.all(
    demoUsers.map(async ({ username, password, groups }) => ({
      username,
      groups,
      sub: uuidV5(username),
      mustChangePassword: false,
      passwordHash: await hashPassword(password),
    })),
  );
}

const dummyHash = () => hashPassword('dummy password for unknown users');

/** Size and modification time, or '' when the file does not exist. */
async function fileVersion(path: string): Promise<string> {
  try {
    const { size, mtimeMs } = await stat(path);
    return `${size}:${mtimeMs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

async function readUsersFile(path: string): Promise<StoredUser[]> {
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
  return parseUsers(parsed, path);
}

/** Replaces the file atomically (a temporary file renamed over it), readable by its owner only. */
async function writeUsersFile(path: string, users: readonly StoredUser[]): Promise<void> {
  const contents: UsersFile = {
    users: users.map(({ username, passwordHash, groups, sub, mustChangePassword }) => ({
      username,
      passwordHash,
      ...(groups.length > 0 ? { groups: [...groups] } : {}),
      sub,
      ...(mustChangePassword ? { mustChangePassword } : {}),
    })),
  };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(contents, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, path);
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
    const {
      username,
      passwordHash,
      groups = [],
      sub,
      password,
      mustChangePassword = false,
    } = entry as Record<string, unknown>;
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
    if (typeof mustChangePassword !== 'boolean')
      problems.push(`${at}.mustChangePassword must be true or false`);
    const userSub = typeof sub === 'string' && sub !== '' ? sub : uuidV5(username);
    if (seenSubs.has(userSub)) problems.push(`${at}.sub "${userSub}" is used by another user`);
    seenSubs.add(userSub);
    users.push({
      username,
      sub: userSub,
      groups: Array.isArray(groups)
        ? groups.filter((group): group is string => typeof group === 'string')
        : [],
      mustChangePassword: mustChangePassword === true,
      passwordHash: typeof passwordHash === 'string' ? passwordHash : '',
    });
  });
  if (problems.length > 0) throw new ConfigurationError(problems);
  return users;
}
