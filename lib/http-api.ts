import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type FunctionName, httpRoutes } from '../lambdas/functions.ts';

/**
 * One JSON line per request to `/login`, `/refresh`, `/password`, `/ticket` and `/logout`, built only
 * from `$context` variables that cannot hold a credential: no header, query-string, path, body or user
 * agent variable (passwords and refresh tokens travel in bodies, tokens and cookies in headers). The
 * route key says which endpoint; `error.messageString` is already quoted, so the line stays valid JSON.
 */
export const httpAccessLogFormat = `{${[
  '"requestId":"$context.requestId"',
  '"requestTime":$context.requestTimeEpoch',
  '"ip":"$context.identity.sourceIp"',
  '"routeKey":"$context.routeKey"',
  '"protocol":"$context.protocol"',
  '"status":"$context.status"',
  '"responseLength":"$context.responseLength"',
  '"error":$context.error.messageString',
  '"integrationStatus":"$context.integrationStatus"',
  '"integrationLatency":"$context.integrationLatency"',
].join(',')}}`;

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
  /**
   * How long access logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly accessLogRetention?: RetentionDays;
  /**
   * What happens to the access log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly accessLogRemovalPolicy?: RemovalPolicy;
}

/**
 * The public HTTP API for credentials (`/login`, `/refresh`, `/ticket`, `/logout`): one route per entry
 * of the catalogue's `httpRoutes`, each integrated with its function.
 */
export class ParleyHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;

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

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.accessLogRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    // HTTP APIs deliver access logs through CloudWatch Logs' own delivery mechanism: unlike WebSocket
    // stages they need no account-wide API Gateway role.
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(httpAccessLogFormat),
      },
    });

    for (const [routeKey, functionName] of Object.entries(httpRoutes)) {
      const { method, path } = parseRouteKey(routeKey);
      this.api.addRoutes({
        path,
        methods: [method],
        integration: new HttpLambdaIntegration(`${functionName}Integration`, props.functions[functionName]),
      });
    }
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
