import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../lambdas/core/errors.ts';
import { hashPassword, isPasswordHash, verifyPassword } from '../../../local/identity/password-hash.ts';
import { UserDirectory, uuidV5 } from '../../../local/identity/user-directory.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-users-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function usersFile(contents: unknown): Promise<string> {
  const file = join(dir, 'users.json');
  await writeFile(file, typeof contents === 'string' ? contents : JSON.stringify(contents));
  return file;
}

describe('password hashes', () => {
  it('stores scrypt hashes with a fresh salt, never the password', async () => {
    // Act
    const first = await hashPassword('password1');
    const second = await hashPassword('password1');

    // Assess
    expect(first).toMatch(/^\$scrypt\$ln=14,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain('password1');
    expect(await verifyPassword('password1', first)).toBe(true);
    expect(await verifyPassword('password2', first)).toBe(false);
  });

  it.each([
    ['a non-scrypt hash', '$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234'],
    [
      'an absurd cost',
      '$scrypt$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    ],
    ['plain text', 'password1'],
  ])('refuses %s without throwing', async (_case, hash) => {
    // Act
    const valid = isPasswordHash(hash);
    const verified = await verifyPassword('password1', hash);

    // Assess
    expect(valid).toBe(false);
    expect(verified).toBe(false);
  });

  it('prints a hash from the command-line helper, reading the password from stdin', async () => {
    // Prepare
    const run = promisify(execFile);
    const child = run(join(process.cwd(), 'node_modules/.bin/tsx'), ['local/identity/hash-password.ts'], {
      cwd: process.cwd(),
    });
    child.child.stdin?.end('s3cret pass\n');

    // Act
    const { stdout } = await child;

    // Assess
    const hash = stdout.trim();
    expect(isPasswordHash(hash)).toBe(true);
    expect(await verifyPassword('s3cret pass', hash)).toBe(true);
  });
});

describe('UserDirectory', () => {
  it('knows the demo users with stable subs and their groups', async () => {
    // Prepare
    const users = await UserDirectory.demo();

    // Act
    const carol = await users.authenticate('carol', 'password3');
    const dave = await users.authenticate('dave', 'password4');
    const alice = await users.authenticate('alice', 'password1');

    // Assess
    expect(carol).toEqual({
      username: 'carol',
      sub: uuidV5('carol'),
      groups: ['moderator'],
      mustChangePassword: false,
    });
    expect(dave?.groups).toEqual(['admin']);
    expect(alice?.groups).toEqual([]);
    expect(await users.authenticate('bob', 'password1')).toBeUndefined();
    expect(await users.authenticate('nobody', 'password1')).toBeUndefined();
  });

  it('derives RFC 9562 version-5 subs', () => {
    // Act
    const sub = uuidV5('alice');
    const dnsExample = uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8');

    // Assess
    expect(sub).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sub).toBe(uuidV5('alice'));
    expect(dnsExample).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('loads users, groups and explicit subs from a users file', async () => {
    // Prepare
    const file = await usersFile({
      users: [
        {
          username: 'erin',
          passwordHash: await hashPassword('erin-pass'),
          groups: ['moderator'],
          sub: 'erin-sub-1',
        },
        { username: 'frank', passwordHash: await hashPassword('frank-pass') },
      ],
    });

    // Act
    const users = await UserDirectory.fromFile(file);

    // Assess
    expect(await users.authenticate('erin', 'erin-pass')).toEqual({
      username: 'erin',
      sub: 'erin-sub-1',
      groups: ['moderator'],
      mustChangePassword: false,
    });
    expect(await users.authenticate('frank', 'frank-pass')).toEqual({
      username: 'frank',
      sub: uuidV5('frank'),
      groups: [],
      mustChangePassword: false,
    });
    expect(await users.authenticate('alice', 'password1')).toBeUndefined();
  });

  it('lists every problem in a users file at once', async () => {
    // Prepare
    const hash = await hashPassword('x');
    const file = await usersFile({
      users: [
        { username: 'ok', passwordHash: hash },
        { username: 'ok', passwordHash: hash },
        { username: 'plain', password: 'hunter2' },
        { username: 'bad name', passwordHash: hash },
        { username: 'grouped', passwordHash: hash, groups: 'admin' },
        { username: 'twin', passwordHash: hash, sub: 'same' },
        { username: 'twin2', passwordHash: hash, sub: 'same' },
      ],
    });

    // Act
    const loading = UserDirectory.fromFile(file);

    // Assess
    const error = await loading.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    const problems = (error as ConfigurationError).problems.join('\n');
    expect(problems).toMatch(/users\[1\]\.username "ok" appears more than once/);
    expect(problems).toMatch(/users\[2\] has a plain "password"; store "passwordHash" instead/);
    expect(problems).toMatch(/users\[2\]\.passwordHash must be/);
    expect(problems).toMatch(/users\[3\]\.username must be/);
    expect(problems).toMatch(/users\[4\]\.groups must be an array/);
    expect(problems).toMatch(/users\[6\]\.sub "same" is used by another user/);
    expect(problems).not.toContain('hunter2');
  });

  it.each([
    ['invalid JSON', '{ users: [', /not valid JSON/],
    ['no users array', { people: [] }, /must be an object with a "users" array/],
  ])('refuses a users file with %s', async (_case, contents, message) => {
    // Prepare
    const file = await usersFile(contents);

    // Act
    const loading = UserDirectory.fromFile(file);

    // Assess
    await expect(loading).rejects.toThrow(message);
  });
});

describe('UserDirectory on a users file', () => {
  it('creates a missing file with the demo users, readable by its owner only', async () => {
    // Prepare
    const file = join(dir, 'identity', 'users.json');

    // Act
    const users = await UserDirectory.openOrCreate(file);

    // Assess
    expect((await users.list()).map((user) => [user.username, user.groups])).toEqual([
      ['alice', []],
      ['bob', []],
      ['carol', ['moderator']],
      ['dave', ['admin']],
    ]);
    expect(await users.authenticate('dave', 'password4')).toMatchObject({ username: 'dave' });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).not.toContain('password4');
  });

  it('sees users another process adds or removes, without a restart', async () => {
    // Prepare
    const file = join(dir, 'users.json');
    const serving = await UserDirectory.openOrCreate(file);
    const editing = await UserDirectory.fromFile(file);

    // Act
    await editing.add('erin', 'erin-pass', { groups: ['moderator'] });
    const added = await serving.authenticate('erin', 'erin-pass');
    await editing.remove('alice');
    const removed = await serving.authenticate('alice', 'password1');

    // Assess
    expect(added).toEqual({
      username: 'erin',
      sub: uuidV5('erin'),
      groups: ['moderator'],
      mustChangePassword: false,
    });
    expect(removed).toBeUndefined();
  });

  it('marks a user who must change the password, and writes the new password back', async () => {
    // Prepare
    const file = join(dir, 'users.json');
    const users = await UserDirectory.openOrCreate(file, 'no users');
    await users.add('frank', 'Temp-pass-1', { mustChangePassword: true });

    // Act
    const before = await users.authenticate('frank', 'Temp-pass-1');
    await users.setPassword('frank', 'New-pass-22!', false);
    const reread = await UserDirectory.fromFile(file);

    // Assess
    expect(before?.mustChangePassword).toBe(true);
    expect(await reread.authenticate('frank', 'Temp-pass-1')).toBeUndefined();
    expect(await reread.authenticate('frank', 'New-pass-22!')).toMatchObject({ mustChangePassword: false });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      users: [
        { username: 'frank', passwordHash: expect.stringMatching(/^\$scrypt\$/), sub: uuidV5('frank') },
      ],
    });
  });

  it('refuses a username that is taken or invalid', async () => {
    // Prepare
    const users = await UserDirectory.openOrCreate(join(dir, 'users.json'));

    // Act
    const taken = users.add('alice', 'x');
    const invalid = users.add('two words', 'x');

    // Assess
    await expect(taken).rejects.toThrow('user "alice" already exists');
    await expect(invalid).rejects.toThrow(/username must be 1 to 128 characters/);
  });

  it('refuses a non-boolean mustChangePassword in a users file', async () => {
    // Prepare
    const file = await usersFile({
      users: [{ username: 'gina', passwordHash: await hashPassword('x'), mustChangePassword: 'yes' }],
    });

    // Act
    const loading = UserDirectory.fromFile(file);

    // Assess
    await expect(loading).rejects.toThrow(/users\[0\]\.mustChangePassword must be true or false/);
  });
});
