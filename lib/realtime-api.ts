import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  LogGroupLogDestination,
  type ThrottleSettings,
  WebSocketApi,
  WebSocketStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  type FunctionName,
  routeSelectionExpression,
  webSocketIdentitySources,
  webSocketRoutes,
} from '../lambdas/functions.ts';

/** The only route a WebSocket Lambda authorizer can guard; every later frame rides on that connection. */
const connectRoute = '$connect';

/**
 * One JSON line per connect, message and disconnect. Only `$context` variables that cannot hold the
 * client's token: no query-string or header variables exist for WebSocket access logs, and none of the
 * authorizer context is logged except the principal id (the user id the authorizer returns).
 * `error.messageString` is already quoted, so it stays valid JSON whatever the message says.
 */
export const accessLogFormat = `{${[
  '"requestId":"$context.requestId"',
  '"requestTime":$context.requestTimeEpoch',
  '"ip":"$context.identity.sourceIp"',
  '"connectionId":"$context.connectionId"',
  '"eventType":"$context.eventType"',
  '"routeKey":"$context.routeKey"',
  '"messageId":"$context.messageId"',
  '"status":"$context.status"',
  '"error":$context.error.messageString',
  '"errorType":"$context.error.responseType"',
  '"authorizerError":"$context.authorizer.error"',
  '"principalId":"$context.authorizer.principalId"',
  '"integrationLatency":"$context.integrationLatency"',
].join(',')}}`;

export interface RealtimeApiProps {
  /** Every catalogue function; the routes in `webSocketRoutes` and the authorizer are taken from it. */
  readonly functions: Readonly<Record<FunctionName, IFunction>>;
  /**
   * The stage clients connect to: `wss://{apiId}.execute-api.{region}.amazonaws.com/{stageName}`.
   * @default 'prod'
   */
  readonly stageName?: string;
  /**
   * Steady-state requests per second and burst across all routes of the stage (connects and messages).
   * Below the account-wide 10,000 RPS quota, so one noisy client population cannot starve other APIs.
   * @default { rateLimit: 500, burstLimit: 1000 }
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
 * The WebSocket API clients talk to: routes selected by `$request.body.action`, each integrated with
 * its catalogue function, and a REQUEST authorizer on `$connect`, the only route one can guard.
 */
export class RealtimeApi extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: RealtimeApiProps) {
    super(scope, id);

    this.api = new WebSocketApi(this, 'Api', { routeSelectionExpression });

    const authorizer = new WebSocketLambdaAuthorizer('TokenAuthorizer', props.functions.authorizer, {
      // API Gateway invokes the authorizer only when every identity source is present and non-empty, and
      // answers 401 itself otherwise; the sources are ANDed. A client presents one of four credentials
      // (?token=, a Sec-WebSocket-Protocol entry, the cookie, ?ticket=), so naming any of them here would
      // shut out the other three. The catalogue names a header every handshake carries instead, and the
      // authorizer decides itself which credential it got (and refuses none or an ambiguous one).
      // Unverified on a deployed stage: cover it with one smoke test per way in.
      identitySource: [...webSocketIdentitySources],
    });

    for (const [routeKey, functionName] of Object.entries(webSocketRoutes)) {
      this.api.addRoute(routeKey, {
        integration: new WebSocketLambdaIntegration(
          `${functionName}Integration`,
          props.functions[functionName],
        ),
        authorizer: routeKey === connectRoute ? authorizer : undefined,
      });
    }

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.accessLogRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: props.stageName ?? 'prod',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 500, burstLimit: 1000 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(accessLogFormat),
      },
    });
  }
}
