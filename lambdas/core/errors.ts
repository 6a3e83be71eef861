/**
 * Parley's error tree. Expected outcomes (bad input, a gone peer) are values, not throws; these are for
 * what callers branch on with `instanceof` or what must stop a cold start.
 */
export class ParleyError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The environment is missing or has invalid settings; lists every problem at once. */
export class ConfigurationError extends ParleyError {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
  }
}

/** A store operation failed in a way the caller cannot recover from (not a condition check). */
export class StoreError extends ParleyError {}

/** @connections refused a post for the account's request rate (429): worth retrying after a pause. */
export class ConnectionThrottledError extends ParleyError {}

/**
 * @connections refused a post for good (403, 413 …): retrying the same post cannot help, so it is
 * reported and skipped.
 */
export class PostRejectedError extends ParleyError {}
/**
 * A credential could not be checked because the server failed (key set unreachable, table failure,
 * misconfiguration). Thrown by the authorizer so that API Gateway answers 500 ("try again later")
 * instead of 401 ("your credential is bad"): an outage must not look like a reason to log in again.
 */
export class AuthorizationUnavailableError extends ParleyError {}
