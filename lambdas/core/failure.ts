/**
 * The one way to describe a failure in a log line: its name and, unless told otherwise, its message —
 * never request data attached to it (SDK errors carry the request in `$metadata` and `$response`).
 */
/** A type alias, not an interface, so it spreads into a log line's `Record<string, unknown>` fields. */
export type FailureDescription = {
  readonly errorName: string;
  readonly errorMessage?: string;
};

export interface DescribeFailureOptions {
  /**
   * Leave the message out. For calls that carry credentials (login, refresh), where a validation
   * message from the identity provider could quote a parameter. @default true
   */
  readonly includeMessage?: boolean;
}

export function describeFailure(error: unknown, options: DescribeFailureOptions = {}): FailureDescription {
  const errorName = error instanceof Error ? error.name : 'NonError';
  if (options.includeMessage === false) return { errorName };
  return { errorName, errorMessage: error instanceof Error ? error.message : String(error) };
}

/** The same description as one line of text, for plain-text logs (the local stack's own). */
export function formatFailure(error: unknown): string {
  const { errorName, errorMessage } = describeFailure(error);
  return `${errorName}: ${errorMessage}`;
}
