/**
 * Route selection: evaluate `$request.body.<path>` against a JSON message and pick the route with
 * that key; non-JSON messages, messages without the key and unknown keys go to `$default`. With no
 * `$default` route the message has nowhere to go (API Gateway answers with a "Forbidden" message).
 */
import { LocalStackError } from '../errors.ts';

export type RouteSelector = (body: string | undefined) => string | undefined;

const expressionPattern = /^\$request\.body\.([A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*)$/;

export function createRouteSelector(expression: string, routeKeys: Iterable<string>): RouteSelector {
  const match = expressionPattern.exec(expression);
  if (!match) {
    throw new LocalStackError(
      `routeSelectionExpression must look like $request.body.<path>, got "${expression}"`,
    );
  }
  const path = (match[1] as string).split('.');
  const keys = new Set(routeKeys);
  const fallback = keys.has('$default') ? '$default' : undefined;
  return (body) => {
    const value = body === undefined ? undefined : valueAt(body, path);
    return value !== undefined && !value.startsWith('$') && keys.has(value) ? value : fallback;
  };
}

function valueAt(body: string, path: readonly string[]): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  for (const key of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : undefined;
}
