/**
 * The authorizer's identity sources. API Gateway checks that every one is present and non-empty
 * before it calls the authorizer; if any is missing the client gets 401 and the authorizer never runs.
 */
import { LocalStackError } from '../errors.ts';
import { type HandshakeRequest, headerValue } from './handshake-request.ts';

export type IdentitySource = {
  readonly expression: string;
  readonly kind: 'header' | 'querystring' | 'stageVariables' | 'context';
  readonly name: string;
};

// The forms CloudFormation accepts for WebSocket APIs; `$request.header.X` (HTTP API syntax) is refused.
const forms: readonly [RegExp, IdentitySource['kind'] | 'route'][] = [
  [/^route\.request\.(querystring|header)\.([a-zA-Z0-9._-]+)$/, 'route'],
  [/^stageVariables\.([a-zA-Z0-9._-]+)$/, 'stageVariables'],
  [/^context\.([a-zA-Z0-9._-]+)$/, 'context'],
];

export function parseIdentitySources(expressions: readonly string[]): IdentitySource[] {
  return expressions.map((expression) => {
    for (const [pattern, kind] of forms) {
      const match = pattern.exec(expression);
      if (!match) continue;
      if (kind === 'route') {
        return { expression, kind: match[1] as 'querystring' | 'header', name: match[2] as string };
      }
      return { expression, kind, name: match[1] as string };
    }
    throw new LocalStackError(
      `identity source must match route.request.querystring|header.<name>, stageVariables.<name> or context.<name>, got "${expression}"`,
    );
  });
}

/** The expressions whose value is absent or empty; empty means the authorizer may be called. */
export function missingIdentitySources(
  sources: readonly IdentitySource[],
  request: HandshakeRequest,
  stageVariables: Readonly<Record<string, string>>,
  requestContext: Readonly<Record<string, unknown>>,
): string[] {
  return sources
    .filter((source) => {
      const value = sourceValue(source, request, stageVariables, requestContext);
      return value === undefined || value === null || value === '';
    })
    .map((source) => source.expression);
}

function sourceValue(
  source: IdentitySource,
  request: HandshakeRequest,
  stageVariables: Readonly<Record<string, string>>,
  requestContext: Readonly<Record<string, unknown>>,
): unknown {
  switch (source.kind) {
    case 'header':
      return headerValue(request.headers, source.name);
    case 'querystring':
      return request.queryStringParameters[source.name];
    case 'stageVariables':
      return stageVariables[source.name];
    case 'context':
      return source.name
        .split('.')
        .reduce<unknown>(
          (value, key) =>
            typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined,
          requestContext,
        );
  }
}
