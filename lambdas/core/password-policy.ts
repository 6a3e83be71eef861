/**
 * The password policy new passwords must meet: Cognito's default (at least 8 characters, with a lower-
 * and an upper-case letter, a digit and a symbol), which the stack's user pool keeps. The local identity
 * provider enforces the same rules, and `/password` names them when a new password falls short.
 */
export const passwordPolicyDescription =
  'newPassword must be at least 8 characters long and contain a lower-case letter, an upper-case letter, a digit and a symbol';

/** Cognito's symbols: the printable ASCII that is neither a letter, a digit nor a space. */
const symbol = /[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+-]/;

export function meetsPasswordPolicy(password: string): boolean {
  return (
    password.length >= 8 &&
    /[a-z]/.test(password) &&
    /[A-Z]/.test(password) &&
    /[0-9]/.test(password) &&
    symbol.test(password)
  );
}
