/**
 * `npm run users`: add, list, remove users and set passwords in the local identity provider's users
 * file (see local/identity/users-command.ts).
 */
import { text } from 'node:stream/consumers';
import { parseUsersArguments, runUsersCommand, usersUsage } from './identity/users-command.ts';

const parsed = parseUsersArguments(process.argv.slice(2));
if (!parsed.success) {
  process.stderr.write(`${parsed.error}\n\n${usersUsage}\n`);
  process.exit(2);
}

process.exitCode = await runUsersCommand(parsed.data, {
  readPassword: () => (process.stdin.isTTY ? promptHidden('Password: ') : pipedPassword()),
  print: (line) => process.stdout.write(`${line}\n`),
});

/** Piped: everything on stdin, without one trailing newline (what `printf` or `echo` adds). */
async function pipedPassword(): Promise<string> {
  return (await text(process.stdin)).replace(/\r?\n$/, '');
}

/** Typed at a terminal: read without echo, up to Enter. */
function promptHidden(prompt: string): Promise<string> {
  process.stderr.write(prompt);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  let typed = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: string) => {
      for (const character of chunk) {
        if (character === '\r' || character === '\n') {
          finish();
          resolve(typed);
          return;
        }
        if (character === '\u0003') {
          finish();
          reject(new Error('interrupted'));
          return;
        }
        if (character === '\u007f' || character === '\b') typed = typed.slice(0, -1);
        else typed += character;
      }
    };
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}
