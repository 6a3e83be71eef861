import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { connectionEventsStreamFilter, type FunctionName, functions } from '../lambdas/functions.ts';
import { ApiGatewayLoggingRole } from './api-gateway-logging-role.ts';
import { Data } from './data.ts';
import { functionPermissions } from './function-permissions.ts';
import { ParleyHttpApi } from './http-api.ts';
import { Identity } from './identity.ts';
import { ParleyFunction } from './parley-function.ts';
import { RealtimeApi } from './realtime-api.ts';

/** A non-Cognito OpenID Connect issuer for the `$connect` authorizer to trust. */
export interface OidcIssuer {
  /** The `iss` claim, e.g. `https://auth.example.com`. */
  readonly issuer: string;
  /** Accepted `aud` values. */
  readonly audience: readonly string[];
  /**
   * Where the issuer publishes its signing keys.
   * @default `${issuer}/.well-known/jwks.json`
   */
  readonly jwksUri?: string;
  /**
   * When set, a token's `token_use` claim must equal it (e.g. `access`).
   * @default - not checked
   */
  readonly tokenUse?: string;
}

export interface ParleyStackProps extends StackProps {
  /**
   * Applies to everything holding state or evidence: the table, the user pool and every log group.
   * Use `DESTROY` for throwaway development stacks only.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The WebSocket stage name, the last segment of the `wss://` URL.
   * @default 'prod'
   */
  readonly stageName?: string;
  /**
   * Throttle for the WebSocket stage (all routes).
   * @default { rateLimit: 500, burstLimit: 1000 }
   */
  readonly webSocketThrottle?: ThrottleSettings;
  /**
   * Throttle for the HTTP API (login and refresh).
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly httpThrottle?: ThrottleSettings;
  /**
   * Browser origins allowed to call `/login` and `/refresh` cross-origin.
   * @default - no CORS
   */
  readonly corsAllowedOrigins?: readonly string[];
  /**
   * Trust this issuer's tokens on `$connect` instead of the stack's Cognito user pool. The pool and the
   * login endpoints are still deployed.
   * @default - the stack's Cognito user pool and app client
   */
  readonly oidcIssuer?: OidcIssuer;
  /**
   * Retention of the Lambda and access log groups.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Create the account-and-Region-wide role API Gateway needs to write WebSocket access logs
   * (`AWS::ApiGateway::Account`). Leave it off when the account already has one: there is only one,
   * and this stack would overwrite it. Without any such role, deploying the stage fails.
   * @default false
   */
  readonly createApiGatewayLoggingRole?: boolean;
}

/** Functions that exchange credentials with Cognito through the public app client. */
const cognitoClientFunctions: readonly FunctionName[] = ['login', 'refresh'];

/** Parley: authenticated real-time chat rooms. Wiring only; each part lives in its own construct. */
export class ParleyStack extends Stack {
  constructor(scope: Construct, id: string, props: ParleyStackProps = {}) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    const data = new Data(this, 'Data', { removalPolicy });
    const identity = new Identity(this, 'Identity', { removalPolicy });

    const handlers = Object.fromEntries(
      (Object.keys(functions) as FunctionName[]).map((name) => [
        name,
        new ParleyFunction(this, `${name}Function`, {
          name,
          logRetention: props.logRetention,
          logRemovalPolicy: removalPolicy,
        }),
      ]),
    ) as Record<FunctionName, ParleyFunction>;

    const realtime = new RealtimeApi(this, 'Realtime', {
      functions: handlers,
      stageName: props.stageName,
      throttle: props.webSocketThrottle,
      accessLogRetention: props.logRetention,
      accessLogRemovalPolicy: removalPolicy,
    });
    if (props.createApiGatewayLoggingRole) {
      realtime.stage.node.addDependency(new ApiGatewayLoggingRole(this, 'ApiGatewayLoggingRole').account);
    }

    const http = new ParleyHttpApi(this, 'Http', {
      functions: handlers,
      corsAllowedOrigins: props.corsAllowedOrigins,
      throttle: props.httpThrottle,
    });

    for (const [name, fn] of Object.entries(handlers) as [FunctionName, ParleyFunction][]) {
      const { tableActions, manageConnections } = functionPermissions[name];
      if (tableActions.length > 0) {
        data.table.grant(fn, ...tableActions.map((action) => `dynamodb:${action}`));
        // Every table user is built by the shared handler wiring (lambdas/handlers/wiring.ts), which
        // loads the store and the gateway config at cold start. The URL is configuration, not a
        // privilege: without ManageConnections a function can still not reach any connection.
        fn.addEnvironment('TABLE_NAME', data.table.tableName);
        fn.addEnvironment('CALLBACK_URL', realtime.stage.callbackUrl);
      }
      if (manageConnections) realtime.stage.grantManagementApiAccess(fn);
      if (cognitoClientFunctions.includes(name)) {
        // No IAM grant: InitiateAuth (USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH) on a client without a
        // secret is an unauthenticated Cognito API; the client id is the only thing the function needs.
        fn.addEnvironment('COGNITO_CLIENT_ID', identity.client.userPoolClientId);
      }
    }

    const issuerEnvironment: Record<string, string> = props.oidcIssuer
      ? {
          AUTH_MODE: 'oidc',
          OIDC_ISSUER: props.oidcIssuer.issuer,
          OIDC_AUDIENCE: props.oidcIssuer.audience.join(','),
          ...(props.oidcIssuer.jwksUri ? { OIDC_JWKS_URI: props.oidcIssuer.jwksUri } : {}),
          ...(props.oidcIssuer.tokenUse ? { OIDC_TOKEN_USE: props.oidcIssuer.tokenUse } : {}),
        }
      : {
          AUTH_MODE: 'cognito',
          COGNITO_USER_POOL_ID: identity.userPool.userPoolId,
          COGNITO_CLIENT_ID: identity.client.userPoolClientId,
        };
    for (const [key, value] of Object.entries(issuerEnvironment))
      handlers.authorizer.addEnvironment(key, value);

    // Only new connection items reach connectionEvents; Lambda drops every other record before invoking.
    // No batching window: a client is waiting for its welcome frame. A record still failing after the
    // retries is dropped (no on-failure destination): a late welcome is worth nothing.
    handlers.connectionEvents.addEventSource(
      new DynamoEventSource(data.table, {
        startingPosition: StartingPosition.LATEST,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(0),
        retryAttempts: 3,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        filters: [FilterCriteria.filter(connectionEventsStreamFilter)],
      }),
    );

    new CfnOutput(this, 'WebSocketUrl', { value: realtime.stage.url });
    new CfnOutput(this, 'HttpApiUrl', { value: http.stage.url });
    new CfnOutput(this, 'UserPoolId', { value: identity.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: identity.client.userPoolClientId });
    new CfnOutput(this, 'TableName', { value: data.table.tableName });
  }
}
