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
import { usernamePattern } from '../../lambdas/core/credentials.ts';
import { ConfigurationError } from '../../lambdas/core/errors.ts';
import { type LocalUser, type StoredUser, uuidV5 } from './local-user.ts';
import { hashPassword, verifyPassword } from './password-hash.ts';
import { fileVersion, readUsersFile, writeUsersFile } from './users-file.ts';

export { type LocalUser, localSubNamespace, uuidV5 } from './local-user.ts';

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
