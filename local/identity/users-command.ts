/**
 * `npm run users`: manage the local identity provider's users file, the one `npm start` serves, while
 * it runs or not (the provider reads the file again when it changes).
 *
 *   npm run users -- [--data-dir DIR] add <name> [--group moderator|admin]... [--must-change]
 *   npm run users -- [--data-dir DIR] list
 *   npm run users -- [--data-dir DIR] remove <name>
 *   npm run users -- [--data-dir DIR] passwd <name> [--must-change]
 *
 * The data directory defaults to `.parley` (the one the README runs `npm start -- --data-dir .parley`
 * with); `--users FILE` names a users file instead. Passwords are read from standard input
 * (piped, or typed at a hidden prompt), never from the command line, where they would land in shell
 * history and the process list. `--must-change` makes the password temporary: the next login answers
 * NEW_PASSWORD_REQUIRED, as for a Cognito user created with `admin-create-user`.
 */
import { parseArgs } from 'node:util';
import { ConfigurationError } from '../../lambdas/core/errors.ts';
import { fail, ok, type Result } from '../../lambdas/core/result.ts';
import { RefreshTokenStore } from './refresh-token-store.ts';
import { UserDirectory } from './user-directory.ts';
import { identityDirIn, usersFileIn } from './users-file.ts';

/** The groups Parley gives meaning to (global roles). */
export const localGroups = ['moderator', 'admin'] as const;

export type UsersCommand =
  | {
      readonly verb: 'add';
      readonly username: string;
      readonly groups: readonly string[];
      readonly mustChange: boolean;
    }
  | { readonly verb: 'list' }
  | { readonly verb: 'remove'; readonly username: string }
  | { readonly verb: 'passwd'; readonly username: string; readonly mustChange: boolean }
  | { readonly verb: 'help' };

/** The data directory when neither `--data-dir` nor `--users` is given. */
export const defaultDataDir = '.parley';

/** Which users file, and the data directory's identity folder when one was given (refresh tokens live there). */
export interface UsersLocation {
  readonly file: string;
  readonly identityDir?: string;
}

export interface ParsedUsersCommand {
  readonly command: UsersCommand;
  readonly location: UsersLocation | undefined;
}

export const usersUsage = [
  'Usage: npm run users -- [--data-dir DIR | --users FILE] <command>',
  '',
  'Commands:',
  '  add <name> [--group moderator|admin]... [--must-change]   add a user; the password is read from stdin',
  '  list                                                      list users, their groups and pending password changes',
  '  remove <name>                                             remove a user (and, with --data-dir, their refresh tokens)',
  '  passwd <name> [--must-change]                             set a password, read from stdin',
  '',
  `The file is <DIR>/identity/users.json (DIR defaults to ${defaultDataDir}; created with the demo users) or FILE:`,
  'the one `npm start -- --data-dir DIR` (or `--users FILE`) serves. --must-change makes the password temporary:',
  'the next login must choose a new one. Passwords are read from standard input.',
].join('\n');

export function parseUsersArguments(args: readonly string[]): Result<ParsedUsersCommand, string> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: true,
      options: {
        'data-dir': { type: 'string' },
        users: { type: 'string' },
        group: { type: 'string', multiple: true },
        'must-change': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return ok({ command: { verb: 'help' }, location: undefined });
  const dataDir = values['data-dir'] as string | undefined;
  const usersFile = values.users as string | undefined;
  if (dataDir !== undefined && usersFile !== undefined)
    return fail('give either --data-dir or --users, not both');
  const identityDir = identityDirIn(dataDir ?? defaultDataDir);
  const location: UsersLocation =
    usersFile !== undefined ? { file: usersFile } : { file: usersFileIn(identityDir), identityDir };
  const [verb, username, ...extra] = positionals;
  const groups = (values.group as string[] | undefined) ?? [];
  const mustChange = values['must-change'] === true;
  const needsName = (name: string | undefined): Result<string, string> =>
    name === undefined || extra.length > 0 ? fail(`${verb} takes exactly one username`) : ok(name);
  const only = (allowed: readonly string[]): string | undefined => {
    if (groups.length > 0 && !allowed.includes('group')) return `${verb} takes no --group`;
    if (mustChange && !allowed.includes('must-change')) return `${verb} takes no --must-change`;
    return undefined;
  };
  switch (verb) {
    case 'add': {
      const name = needsName(username);
      if (!name.success) return name;
      const unknown = groups.find((group) => !(localGroups as readonly string[]).includes(group));
      if (unknown !== undefined)
        return fail(`--group must be one of ${localGroups.join(', ')}, got "${unknown}"`);
      return ok({
        command: { verb, username: name.data, groups: [...new Set(groups)], mustChange },
        location,
      });
    }
    case 'list': {
      const problem = only([]) ?? (username !== undefined ? 'list takes no username' : undefined);
      return problem ? fail(problem) : ok({ command: { verb }, location });
    }
    case 'remove': {
      const problem = only([]);
      if (problem) return fail(problem);
      const name = needsName(username);
      return name.success ? ok({ command: { verb, username: name.data }, location }) : name;
    }
    case 'passwd': {
      const problem = only(['must-change']);
      if (problem) return fail(problem);
      const name = needsName(username);
      return name.success ? ok({ command: { verb, username: name.data, mustChange }, location }) : name;
    }
    default:
      return fail(verb === undefined ? 'no command given' : `unknown command "${verb}"`);
  }
}

export interface UsersCommandIo {
  /** The password for `add` and `passwd`; asked for only when the command needs one. */
  readPassword(): Promise<string>;
  print(line: string): void;
}

/** Runs a command; returns the exit status. Problems a user can fix are printed, not thrown. */
export async function runUsersCommand(parsed: ParsedUsersCommand, io: UsersCommandIo): Promise<number> {
  const { command, location } = parsed;
  if (command.verb === 'help' || !location) {
    io.print(usersUsage);
    return 0;
  }
  try {
    // A data directory's file starts with the demo users, as `npm start` would create it; a named file
    // starts empty, and only `add` may create it.
    const users =
      location.identityDir !== undefined
        ? await UserDirectory.openOrCreate(location.file)
        : command.verb === 'add'
          ? await UserDirectory.openOrCreate(location.file, 'no users')
          : await UserDirectory.fromFile(location.file);
    switch (command.verb) {
      case 'list': {
        for (const user of await users.list()) {
          const groups = user.groups.length > 0 ? `  (${user.groups.join(', ')})` : '';
          io.print(`${user.username}${groups}${user.mustChangePassword ? '  must change password' : ''}`);
        }
        return 0;
      }
      case 'add': {
        const password = await requiredPassword(io);
        const user = await users.add(command.username, password, {
          groups: command.groups,
          mustChangePassword: command.mustChange,
        });
        io.print(
          `added ${user.username} to ${location.file}${command.mustChange ? ' (must change password)' : ''}`,
        );
        return 0;
      }
      case 'passwd': {
        if (!(await users.find(command.username))) return unknownUser(io, command.username, location);
        const password = await requiredPassword(io);
        await users.setPassword(command.username, password, command.mustChange);
        io.print(
          `set the password of ${command.username}${command.mustChange ? ' (must change password)' : ''}`,
        );
        return 0;
      }
      case 'remove': {
        if (!(await users.remove(command.username))) return unknownUser(io, command.username, location);
        io.print(`removed ${command.username} from ${location.file}`);
        if (location.identityDir !== undefined) {
          const tokens = await RefreshTokenStore.open({ dataDir: location.identityDir });
          io.print(`revoked ${await tokens.revokeAllFor(command.username)} refresh token(s)`);
        }
        return 0;
      }
    }
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    for (const problem of error.problems) io.print(problem);
    return 1;
  }
}

async function requiredPassword(io: UsersCommandIo): Promise<string> {
  const password = await io.readPassword();
  if (password === '') throw new ConfigurationError(['the password must not be empty']);
  if (password.length > 256) throw new ConfigurationError(['the password must be at most 256 characters']);
  return password;
}

function unknownUser(io: UsersCommandIo, username: string, location: UsersLocation): number {
  io.print(`no user "${username}" in ${location.file}`);
  return 1;
}
