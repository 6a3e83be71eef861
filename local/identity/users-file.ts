/**
 * Where the local identity provider keeps its users: one place, so `npm start` and `npm run users`
 * agree. With `--users FILE`, that file; otherwise `<data-dir>/identity/users.json`, created with the
 * demo users the first time `npm start` (or `npm run users`) uses the data directory.
 */
import { join } from 'node:path';

export const usersFileName = 'users.json';

/** The users file inside the identity provider's own directory (`<data-dir>/identity`). */
export function usersFileIn(identityDir: string): string {
  return join(identityDir, usersFileName);
}

/** The identity provider's directory inside a local-stack data directory. */
export function identityDirIn(dataDir: string): string {
  return join(dataDir, 'identity');
}
