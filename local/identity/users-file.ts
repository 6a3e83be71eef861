/**
 * The local identity provider's users file: where it is, what it holds, and how it is read and written,
 * in one place so `npm start` and `npm run users` agree. With `--users FILE`, that file; otherwise
 * `<data-dir>/identity/users.json`, created with the demo users the first time `npm start` (or
 * `npm run users`) uses the data directory. Format in README.md; every problem in a file is reported at
 * once, with the entry's index.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { usernamePattern } from '../../lambdas/core/credentials.ts';
import { ConfigurationError } from '../../lambdas/core/errors.ts';
import { type StoredUser, uuidV5 } from './local-user.ts';
import { isPasswordHash } from './password-hash.ts';

export const usersFileName = 'users.json';

/** The users file inside the identity provider's own directory (`<data-dir>/identity`). */
export function usersFileIn(identityDir: string): string {
  return join(identityDir, usersFileName);
}

/** The identity provider's directory inside a local-stack data directory. */
export function identityDirIn(dataDir: string): string {
  return join(dataDir, 'identity');
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

/** Size and modification time, or '' when the file does not exist. */
export async function fileVersion(path: string): Promise<string> {
  try {
    const { size, mtimeMs } = await stat(path);
    return `${size}:${mtimeMs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

export async function readUsersFile(path: string): Promise<StoredUser[]> {
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
export async function writeUsersFile(path: string, users: readonly StoredUser[]): Promise<void> {
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
