/**
 * Runs the REQUEST authorizer on `$connect` and turns its outcome into API Gateway's answer:
 * thrown `Unauthorized` → 401, an explicit or implicit Deny → 403, any other failure or a malformed
 * result → 500, and Allow → the context every later route sees in `requestContext.authorizer`.
 */
import { fail, ok, type Result } from '../../lambdas/core/result.ts';
import type { LocalFunction } from '../lambda/local-function.ts';
import { describeError } from '../logger.ts';
import type { WebSocketAuthorizerEvent } from './events.ts';

/** The context later routes see, or the status API Gateway answers the handshake with and why. */
export type AuthorizerVerdict = Result<
  Readonly<Record<string, unknown>>,
  { readonly status: 401 | 403 | 500; readonly reason: string }
>;

const refuse = (status: 401 | 403 | 500, reason: string) => fail({ status, reason });

export async function authorize(
  authorizer: LocalFunction,
  event: WebSocketAuthorizerEvent,
  maxResultBytes: number,
): Promise<AuthorizerVerdict> {
  const started = Date.now();
  const result = await authorizer.invoke(event);
  const latency = Date.now() - started;
  if (!result.success) {
    // Lambda's `callback('Unauthorized')` and `throw new Error('Unauthorized')` are the one way to ask for 401.
    if (!result.error.timedOut && result.error.cause.message === 'Unauthorized') {
      return refuse(401, 'authorizer answered Unauthorized');
    }
    return refuse(500, `authorizer failed: ${describeError(result.error.cause)}`);
  }
  const output = result.data as
    | { principalId?: unknown; policyDocument?: unknown; context?: unknown }
    | null
    | undefined;
  if (typeof output !== 'object' || output === null) {
    return refuse(500, 'authorizer returned no result object');
  }
  if (Buffer.byteLength(JSON.stringify(output), 'utf8') > maxResultBytes) {
    return refuse(500, `authorizer result exceeds ${maxResultBytes} bytes`);
  }
  if (typeof output.principalId !== 'string' || output.principalId === '') {
    return refuse(500, 'authorizer result has no principalId');
  }
  const context = stringifyContext(output.context);
  if (!context.success) return refuse(500, context.error);
  const decision = evaluatePolicy(output.policyDocument, event.methodArn);
  if (decision === 'invalid') return refuse(500, 'authorizer result has no valid policyDocument');
  if (decision === 'deny') return refuse(403, 'policy does not allow execute-api:Invoke on $connect');
  return ok({ ...context.data, principalId: output.principalId, integrationLatency: latency });
}

/**
 * IAM-style evaluation of the returned policy for `execute-api:Invoke` on `methodArn`: an explicit
 * Deny wins, then an Allow; no matching statement is a Deny.
 */
export function evaluatePolicy(policy: unknown, methodArn: string): 'allow' | 'deny' | 'invalid' {
  const statements = (policy as { Statement?: unknown } | null | undefined)?.Statement;
  const list = Array.isArray(statements) ? statements : statements !== undefined ? [statements] : undefined;
  if (typeof policy !== 'object' || policy === null || !list) return 'invalid';
  let allowed = false;
  for (const statement of list as { Effect?: unknown; Action?: unknown; Resource?: unknown }[]) {
    if (typeof statement !== 'object' || statement === null) return 'invalid';
    const applies =
      asList(statement.Action).some((action) => wildcardMatch(action, 'execute-api:Invoke')) &&
      asList(statement.Resource).some((resource) => wildcardMatch(resource, methodArn));
    if (!applies) continue;
    if (statement.Effect === 'Deny') return 'deny';
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed ? 'allow' : 'deny';
}

function asList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** IAM wildcards: `*` any run of characters, `?` one character; actions compare case-insensitively. */
function wildcardMatch(pattern: string, value: string): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, value.startsWith('execute-api:') ? 'i' : '').test(value);
}

/** API Gateway passes context values on as strings and refuses objects and arrays. */
function stringifyContext(context: unknown): Result<Record<string, string>, string> {
  if (context === undefined || context === null) return ok({});
  if (typeof context !== 'object' || Array.isArray(context)) {
    return fail('authorizer context must be an object');
  }
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(context)) {
    if (typeof value === 'object' && value !== null) {
      return fail(
        `authorizer context value "${key}" is an object or array; only strings, numbers and booleans are allowed`,
      );
    }
    if (value !== undefined) values[key] = String(value);
  }
  return ok(values);
}
