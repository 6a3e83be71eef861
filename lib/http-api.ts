import { Duration } from 'aws-cdk-lib';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  type HttpRoute,
  HttpStage,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { type FunctionName, httpRoutes, iamHttpRoutes } from '../lambdas/functions.ts';

export interface ParleyHttpApiProps {
  /** Every catalogue function; the routes in `httpRoutes` are taken from it. */
  readonly functions: Readonly<Record<FunctionName, IFunction>>;
  /**
   * Browser origins allowed to call the API cross-origin, e.g. `['https://chat.example.com']`. They may
   * send `Authorization` (`POST /ticket` takes a bearer token).
   * @default - no CORS: only same-origin pages and non-browser clients
   */
  readonly corsAllowedOrigins?: readonly string[];
  /**
   * Let those origins send and receive cookies (`credentials: 'include'`). Needed only when `/login`
   * sets the token cookie; otherwise tokens travel in JSON bodies and credentials stay refused.
   * @default false
   */
  readonly corsAllowCredentials?: boolean;
  /**
   * Requests per second and burst for the whole API. This is a global ceiling, not per client: HTTP APIs
   * cannot take AWS WAF, and Cognito's own lockout is what slows password guessing per account.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: ThrottleSettings;
}

/**
 * The public HTTP API for credentials (`/login`, `/refresh`, `/ticket`, `/logout`): one route per entry
 * of the catalogue's `httpRoutes`, each integrated with its function.
 */
export class ParleyHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  /** Each catalogue route by its key (`'POST /service/notify'`), e.g. for its `routeArn` or `grantInvoke`. */
  readonly routes: Readonly<Record<string, HttpRoute>>;

  constructor(scope: Construct, id: string, props: ParleyHttpApiProps) {
    super(scope, id);

    const allowOrigins = props.corsAllowedOrigins ?? [];
    this.api = new HttpApi(this, 'Api', {
      // Our own $default stage below carries the throttle; the built-in one cannot.
      createDefaultStage: false,
      corsPreflight:
        allowOrigins.length > 0
          ? {
              allowOrigins: [...allowOrigins],
              allowMethods: [CorsHttpMethod.POST, CorsHttpMethod.OPTIONS],
              allowHeaders: ['content-type', 'authorization'],
              allowCredentials: props.corsAllowCredentials ?? false,
              maxAge: Duration.hours(1),
            }
          : undefined,
    });

    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 50, burstLimit: 100 },
    });

    const routes: Record<string, HttpRoute> = {};
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    for (const [routeKey, functionName] of Object.entries(httpRoutes)) {
      const { method, path } = parseRouteKey(routeKey);
      // One integration per function, shared by its routes (notify serves two).
      let integration = integrations.get(functionName);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${functionName}Integration`, props.functions[functionName]);
        integrations.set(functionName, integration);
      }
      const [route] = this.api.addRoutes({
        path,
        methods: [method],
        integration,
        // SigV4 checked by API Gateway; every other route is public at the gateway (its function checks).
        ...(iamHttpRoutes.includes(routeKey) ? { authorizer: new HttpIamAuthorizer() } : {}),
      });
      if (route) routes[routeKey] = route;
    }
    this.routes = routes;
  }
}

/** `'POST /login'` → `{ method: POST, path: '/login' }`. */
function parseRouteKey(routeKey: string): { method: HttpMethod; path: string } {
  const match = /^([A-Z]+) (\/\S*)$/.exec(routeKey);
  const method = Object.values(HttpMethod).find((candidate) => candidate === match?.[1]);
  if (!match?.[2] || !method) {
    throw new Error(`HTTP route key must look like "POST /login" with a known method, got "${routeKey}"`);
  }
  return { method, path: match[2] };
}
