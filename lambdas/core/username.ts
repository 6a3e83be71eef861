/**
 * What a username may be: Cognito's rule, 1–128 letters, marks, symbols, digits or punctuation and no
 * whitespace. Parley addresses users by username (invitations, kicks, notifications), so the issuer
 * must keep usernames unique: Cognito and the local identity provider do. Browser-safe.
 */
export const usernamePattern = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u;
