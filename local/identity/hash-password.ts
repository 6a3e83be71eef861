/**
 * Prints the scrypt hash of a password for a local users file.
 *
 *   printf '%s' 'correct horse' | npx tsx local/identity/hash-password.ts
 *
 * The password is read from standard input (one trailing newline is dropped), never from the command
 * line, where it would land in shell history and the process list.
 */
import { text } from 'node:stream/consumers';
import { hashPassword } from './password-hash.ts';

const input = await text(process.stdin);
const password = input.replace(/\r?\n$/, '');
if (password === '') {
  process.stderr.write('usage: printf %s "<password>" | npx tsx local/identity/hash-password.ts\n');
  process.exitCode = 2;
} else {
  process.stdout.write(`${await hashPassword(password)}\n`);
}
