import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RefreshTokenStore } from '../../../local/identity/refresh-token-store.ts';
import { UserDirectory } from '../../../local/identity/user-directory.ts';
import { parseUsersArguments, runUsersCommand } from '../../../local/identity/users-command.ts';

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'parley-users-command-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Runs `npm run users -- <args>` in process, with `password` on "stdin"; returns the status and output. */
async function users(args: string[], password = '') {
  const parsed = parseUsersArguments(args);
  if (!parsed.success) return { status: 2, output: [parsed.error], asked: false };
  const output: string[] = [];
  let asked = false;
  const status = await runUsersCommand(parsed.data, {
    readPassword: async () => {
      asked = true;
      return password;
    },
    print: (line) => output.push(line),
  });
  return { status, output, asked };
}

const usersFile = () => join(dataDir, 'identity', 'users.json');

describe('npm run users', () => {
  it('adds a user with groups to the data directory’s users file, next to the demo users', async () => {
    // Act
    const added = await users(
      ['--data-dir', dataDir, 'add', 'erin', '--group', 'moderator', '--group', 'admin'],
      'erin-pass',
    );
    const listed = await users(['--data-dir', dataDir, 'list']);

    // Assess
    expect(added).toMatchObject({ status: 0, asked: true });
    expect(listed.output).toEqual([
      'alice',
      'bob',
      'carol  (moderator)',
      'dave  (admin)',
      'erin  (moderator, admin)',
    ]);
    expect(await (await UserDirectory.fromFile(usersFile())).authenticate('erin', 'erin-pass')).toMatchObject(
      {
        groups: ['moderator', 'admin'],
      },
    );
  });

  it('adds a user who must choose a new password at the next login', async () => {
    // Act
    await users(['--data-dir', dataDir, 'add', 'frank', '--must-change'], 'Temp-pass-1');
    const listed = await users(['--data-dir', dataDir, 'list']);

    // Assess
    expect(listed.output).toContain('frank  must change password');
  });

  it('sets a password, temporary or not', async () => {
    // Act
    const changed = await users(['--data-dir', dataDir, 'passwd', 'bob', '--must-change'], 'New-pass-1');
    const directory = await UserDirectory.fromFile(usersFile());

    // Assess
    expect(changed.status).toBe(0);
    expect(await directory.authenticate('bob', 'password2')).toBeUndefined();
    expect(await directory.authenticate('bob', 'New-pass-1')).toMatchObject({ mustChangePassword: true });
  });

  it('removes a user and revokes their refresh tokens', async () => {
    // Prepare
    const tokens = await RefreshTokenStore.open({ dataDir: join(dataDir, 'identity') });
    const token = await tokens.issue({ username: 'alice', sub: 'alice-sub' });
    const kept = await tokens.issue({ username: 'bob', sub: 'bob-sub' });

    // Act
    const removed = await users(['--data-dir', dataDir, 'remove', 'alice']);
    const reopened = await RefreshTokenStore.open({ dataDir: join(dataDir, 'identity') });

    // Assess
    expect(removed).toMatchObject({
      status: 0,
      output: [`removed alice from ${usersFile()}`, 'revoked 1 refresh token(s)'],
    });
    expect(reopened.find(token)).toBeUndefined();
    expect(reopened.find(kept)).toBeDefined();
    expect(await (await UserDirectory.fromFile(usersFile())).find('alice')).toBeUndefined();
  });

  it('works on .parley/identity/users.json when no location is given', () => {
    // Act
    const parsed = parseUsersArguments(['add', 'erin']);

    // Assess
    expect(parsed).toEqual({
      success: true,
      data: {
        command: { verb: 'add', username: 'erin', groups: [], mustChange: false },
        location: {
          file: join('.parley', 'identity', 'users.json'),
          identityDir: join('.parley', 'identity'),
        },
      },
    });
  });

  it('works on a named users file, created empty by the first add', async () => {
    // Prepare
    const file = join(dataDir, 'team.json');

    // Act
    await users(['--users', file, 'add', 'gina'], 'gina-pass');
    const listed = await users(['--users', file, 'list']);

    // Assess
    expect(listed.output).toEqual(['gina']);
  });

  it.each([
    [['--data-dir', 'd', '--users', 'f', 'list'], 'give either --data-dir or --users, not both'],
    [['--data-dir', 'd', 'add'], 'add takes exactly one username'],
    [
      ['--data-dir', 'd', 'add', 'erin', '--group', 'owner'],
      '--group must be one of moderator, admin, got "owner"',
    ],
    [['--data-dir', 'd', 'list', '--must-change'], 'list takes no --must-change'],
    [['--data-dir', 'd', 'remove', 'erin', '--group', 'admin'], 'remove takes no --group'],
    [['--data-dir', 'd', 'rename', 'erin'], 'unknown command "rename"'],
    [
      ['--data-dir', 'd', 'add', 'erin', '--password', 'x'],
      expect.stringContaining("Unknown option '--password'"),
    ],
  ])('refuses %j with exit status 2 and a message', async (args, message) => {
    // Act
    const result = await users(args as string[]);

    // Assess
    expect(result).toMatchObject({ status: 2, output: [message], asked: false });
  });

  it.each([
    [['add', 'alice'], 'user "alice" already exists'],
    [['passwd', 'nobody'], expect.stringMatching(/^no user "nobody" in /)],
    [['remove', 'nobody'], expect.stringMatching(/^no user "nobody" in /)],
  ])('answers %j with exit status 1 and a message', async (args, message) => {
    // Act
    const result = await users(['--data-dir', dataDir, ...(args as string[])], 'pass');

    // Assess
    expect(result).toMatchObject({ status: 1, output: [message] });
  });

  it('refuses an empty password', async () => {
    // Act
    const result = await users(['--data-dir', dataDir, 'add', 'erin'], '');

    // Assess
    expect(result).toMatchObject({ status: 1, output: ['the password must not be empty'] });
  });

  it('reads the password from stdin when run as npm run users, never from the command line', async () => {
    // Prepare
    const run = (args: string[], input: string) =>
      new Promise<{ code: number; stdout: string }>((resolve) => {
        const child = execFile(
          join(process.cwd(), 'node_modules/.bin/tsx'),
          ['local/users.ts', ...args],
          { cwd: process.cwd() },
          (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout }),
        );
        child.stdin?.end(input);
      });

    // Act
    const added = await run(['--data-dir', dataDir, 'add', 'hank'], 'hank-secret\n');

    // Assess
    expect(added).toEqual({ code: 0, stdout: `added hank to ${usersFile()}\n` });
    expect(
      await (await UserDirectory.fromFile(usersFile())).authenticate('hank', 'hank-secret'),
    ).toBeDefined();
  });
});
