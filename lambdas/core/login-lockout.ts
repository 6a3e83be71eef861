/**
 * Password guessing, bounded per username: after 5 failed logins for one username within 15 minutes,
 * further attempts for it are refused (429 with `Retry-After`) without asking the identity provider,
 * until the oldest of those failures is 15 minutes old. A correct password does not end a lockout early
 * (it is not even checked while locked), and a success removes only its own attempt: failures count for
 * 15 minutes whatever happens in between. Unknown usernames count like known ones, so the lockout tells
 * nobody which usernames exist.
 *
 * Every attempt claims its place in the record *before* the password is checked (a compare-and-set
 * write), and gives it back unless the password was wrong. Checking first and recording afterwards
 * would let a burst of parallel guesses all pass the check before any of them was recorded.
 *
 * The price is that anyone can lock a known username out for 15 minutes with 5 wrong passwords; the
 * stage throttle bounds how many usernames one attacker can lock at a time.
 *
 * Usernames are compared in lower case, as Cognito compares them (the pool is case-insensitive), so
 * `Alice` and `alice` share one record.
 */
import type { Clock } from './ports.ts';
import { fail, ok, type Result } from './result.ts';

export const loginLockoutPolicy = {
  /** Failed logins that lock a username. */
  maxFailures: 5,
  /** How long a failure counts. */
  windowSeconds: 15 * 60,
  /** Compare-and-set rounds before a contended username is answered as locked. */
  maxWriteRounds: 5,
} as const;

/** One username's attempts: their times (epoch ms, oldest first) and the version writes compare. */
export interface LoginAttemptRecord {
  readonly attempts: readonly number[];
  /** 0 when there is no record yet. */
  readonly version: number;
}

/** Where login attempts are remembered, per (lower-cased) username. */
export interface LoginFailureLog {
  read(key: string): Promise<LoginAttemptRecord>;
  /**
   * Replaces the record with `attempts` if it is still at `version`, and lets it expire at `expiresAt`
   * (epoch seconds); false when another writer came first.
   */
  write(key: string, attempts: readonly number[], version: number, expiresAt: number): Promise<boolean>;
}

export interface LockoutDeps {
  readonly failures: LoginFailureLog;
  /** Epoch milliseconds. */
  readonly now: Clock;
}

/** A login refused before any password was checked. */
export interface LockedOut {
  readonly reason: 'locked-out';
  /** Whole seconds until the next attempt is let through. */
  readonly retryAfterSeconds: number;
}

/** The key a username's attempts are kept under. */
export const lockoutKey = (username: string): string => username.toLowerCase();

const windowMs = loginLockoutPolicy.windowSeconds * 1000;

/** The attempts that still count at `now`. */
const counting = (attempts: readonly number[], now: number) => attempts.filter((at) => at > now - windowMs);

/** Whether `attempts` (epoch ms, oldest first) lock the username at `now`, and for how long. */
export function lockoutAt(attempts: readonly number[], now: number): Result<undefined, LockedOut> {
  const recent = counting(attempts, now);
  if (recent.length < loginLockoutPolicy.maxFailures) return ok(undefined);
  // Unlocked once fewer than `maxFailures` remain: when the oldest of the newest `maxFailures` expires.
  const oldest = recent[recent.length - loginLockoutPolicy.maxFailures] ?? now;
  return fail({ reason: 'locked-out', retryAfterSeconds: secondsUntil(oldest + windowMs, now) });
}

/**
 * Runs `attempt` unless the username is locked. The attempt is recorded first and taken back afterwards
 * unless `failed(refusal)` says the password was wrong (or the user unknown). Failures of the record
 * itself are thrown: a login whose guard cannot be consulted is a server fault, not a free guess.
 */
export async function guardLogin<T, F>(
  deps: LockoutDeps,
  username: string,
  attempt: () => Promise<Result<T, F>>,
  failed: (refusal: F) => boolean,
): Promise<Result<T, F | LockedOut>> {
  const key = lockoutKey(username);
  const claimed = await claimAttempt(deps, key);
  if (!claimed.success) return claimed;
  let result: Result<T, F> | undefined;
  try {
    result = await attempt();
    return result;
  } finally {
    if (!result || result.success || !failed(result.error)) {
      // An attempt that cannot be taken back stays counted as a failure; the login's answer matters more.
      await releaseAttempt(deps, key, claimed.data).catch(() => undefined);
    }
  }
}

/**
 * How long to wait after the identity provider itself locked the user (Cognito's "Password attempts
 * exceeded", whose duration it does not say): until the oldest attempt Parley counted leaves the
 * window, or a whole window when it counted none.
 */
export async function retryAfterIssuerLockout(deps: LockoutDeps, username: string): Promise<number> {
  const now = deps.now();
  const [oldest] = counting((await deps.failures.read(lockoutKey(username))).attempts, now);
  return oldest === undefined ? loginLockoutPolicy.windowSeconds : secondsUntil(oldest + windowMs, now);
}

/** Adds this attempt to the record unless the username is locked; returns its time. */
async function claimAttempt(deps: LockoutDeps, key: string): Promise<Result<number, LockedOut>> {
  for (let round = 0; round < loginLockoutPolicy.maxWriteRounds; round++) {
    const { attempts, version } = await deps.failures.read(key);
    const now = deps.now();
    const locked = lockoutAt(attempts, now);
    if (!locked.success) return locked;
    const next = [...counting(attempts, now), now].slice(-loginLockoutPolicy.maxFailures);
    if (await deps.failures.write(key, next, version, expiryOf(now))) return ok(now);
  }
  // Every round lost to a concurrent attempt for the same username: it is being hammered.
  return fail({ reason: 'locked-out', retryAfterSeconds: 1 });
}

/** Takes one attempt back. Best effort under contention: an attempt left in counts as a failure. */
async function releaseAttempt(deps: LockoutDeps, key: string, at: number): Promise<void> {
  for (let round = 0; round < loginLockoutPolicy.maxWriteRounds; round++) {
    const { attempts, version } = await deps.failures.read(key);
    const index = attempts.indexOf(at);
    if (index === -1) return;
    const next = attempts.filter((_, i) => i !== index);
    const newest = next.at(-1);
    if (await deps.failures.write(key, next, version, newest === undefined ? 0 : expiryOf(newest))) return;
  }
}

const expiryOf = (at: number) => Math.ceil(at / 1000) + loginLockoutPolicy.windowSeconds;
const secondsUntil = (until: number, now: number) => Math.max(1, Math.ceil((until - now) / 1000));
