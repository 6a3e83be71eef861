/**
 * The local HTTP API: routes like `POST /login` from the catalogue's `httpRoutes`, each served by
 * its Lambda function through the payload-2.0 bridge (local/identity/lambda-http-bridge.ts).
 * Unknown paths get API Gateway's 404 `{"message":"Not Found"}`. IAM routes require a SigV4 header
 * (iam-authorization.ts) and get 403 without one, before their function runs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { serveHttpApi } from '../identity/lambda-http-bridge.ts';
import type { LocalFunction } from '../lambda/local-function.ts';
import { authorizeIam } from './iam-authorization.ts';

/** Serves a request when a route matches; resolves false when none does. */
export type HttpRequestHandler = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

interface Route {
  readonly method: string;
  readonly path: string;
  readonly routeKey: string;
  readonly target: () => Promise<LocalFunction>;
  readonly iam: boolean;
}

export interface HttpApiOptions {
  /** Route keys authorized with IAM (SigV4) on AWS. @default none */
  readonly iamRoutes?: readonly string[];
}

/**
 * @param routes route key (`METHOD /path`) → the function, resolved on the first request (its cold
 *   start), so a function no request reaches is never imported.
 */
export function createHttpApi(
  routes: Readonly<Record<string, () => Promise<LocalFunction>>>,
  options: HttpApiOptions = {},
): HttpRequestHandler {
  const table: Route[] = Object.entries(routes).map(([routeKey, target]) => {
    const [method, path] = routeKey.split(' ');
    if (!method || !path) throw new Error(`HTTP route keys look like "POST /login", got "${routeKey}"`);
    return { method, path, routeKey, target, iam: options.iamRoutes?.includes(routeKey) ?? false };
  });
  return async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://local.invalid').pathname;
    const route = table.find((candidate) => candidate.path === path && candidate.method === request.method);
    if (!route) return false;
    const iam = route.iam ? authorizeIam(request.headers.authorization) : undefined;
    if (iam && !iam.allowed) {
      request.resume();
      response
        .writeHead(403, { 'content-type': 'application/json' })
        .end(JSON.stringify({ message: iam.message }));
      return true;
    }
    const fn = await route.target();
    const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> => {
      const authorized = iam?.allowed
        ? { ...event, requestContext: { ...event.requestContext, authorizer: { iam: iam.caller } } }
        : event;
      const result = await fn.invoke(authorized);
      if (!result.success) throw result.error.cause;
      return result.data as APIGatewayProxyResultV2;
    };
    await serveHttpApi(handler, request, response, { routeKey: route.routeKey });
    return true;
  };
}

/** API Gateway's answer when no route matches. */
export function notFound(request: IncomingMessage, response: ServerResponse): void {
  request.resume();
  response
    .writeHead(404, { 'content-type': 'application/json' })
    .end(JSON.stringify({ message: 'Not Found' }));
}
