import { RemovalPolicy } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { keyAttributeNames, tableLayout } from '../../lambdas/adapters/table-layout.ts';
import {
  type FunctionName,
  httpRoutes,
  routeSelectionExpression,
  scheduledFunctions,
  webSocketIdentitySources,
  webSocketRoutes,
} from '../../lambdas/functions.ts';
import { functionPermissions } from '../../lib/function-permissions.ts';
import { httpAccessLogFormat } from '../../lib/http-api.ts';
import { accessLogFormat } from '../../lib/realtime-api.ts';
import {
  defaultTemplate,
  functionLogicalId,
  functionNames,
  functionProperties,
  resourcesOfType,
  statementsOf,
  synthesize,
} from './template-helpers.ts';

beforeAll(() => {
  // Synthesis is slow on a busy machine: pay for it once, under the hook timeout.
  defaultTemplate();
});

describe('WebSocket API', () => {
  it('puts the authorizer on $connect and on no other route', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const routes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route');
    const guarded = routes.filter(([, route]) => route.Properties.AuthorizationType === 'CUSTOM');

    // Assess
    expect(guarded.map(([, route]) => route.Properties.RouteKey)).toEqual(['$connect']);
    for (const [, route] of routes.filter(([, r]) => r.Properties.RouteKey !== '$connect')) {
      expect(route.Properties.AuthorizerId).toBeUndefined();
      expect(route.Properties.AuthorizationType ?? 'NONE').toBe('NONE');
    }
  });

  it('routes reauth without an authorizer: a live connection was authorized at $connect', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const reauth = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').filter(
      ([, route]) => route.Properties.RouteKey === 'reauth',
    );

    // Assess
    expect(reauth).toHaveLength(1);
    expect(reauth[0]?.[1].Properties.AuthorizerId).toBeUndefined();
    expect(reauth[0]?.[1].Properties.AuthorizationType ?? 'NONE').toBe('NONE');
  });

  it('invokes the authorizer on every handshake, whichever way the client presents its credential', () => {
    // Prepare
    const template = defaultTemplate();
    const authorizerFunction = functionLogicalId(template, 'authorizer');

    // Act
    const authorizers = resourcesOfType(template, 'AWS::ApiGatewayV2::Authorizer');

    // Assess
    expect(authorizers).toHaveLength(1);
    const [, authorizer] = authorizers[0] ?? [];
    expect(authorizer?.Properties.AuthorizerType).toBe('REQUEST');
    // API Gateway answers 401 without invoking the authorizer unless every source is present, so the
    // only source is a header every WebSocket handshake carries (RFC 6455), never one credential's place.
    expect(authorizer?.Properties.IdentitySource).toEqual(['route.request.header.Sec-WebSocket-Key']);
    expect(authorizer?.Properties.IdentitySource).toEqual([...webSocketIdentitySources]);
    expect(JSON.stringify(authorizer?.Properties.IdentitySource)).not.toMatch(
      /querystring|protocol|cookie|authorization/i,
    );
    expect(JSON.stringify(authorizer?.Properties.AuthorizerUri)).toContain(authorizerFunction);
  });

  it('routes every catalogue route to its own function by $request.body.action', () => {
    // Prepare
    const template = defaultTemplate();
    const integrations = Object.fromEntries(
      resourcesOfType(template, 'AWS::ApiGatewayV2::Integration').map(([id, integration]) => [
        id,
        integration,
      ]),
    );

    const [webSocketApiId] = Object.keys(
      template.findResources('AWS::ApiGatewayV2::Api', { Properties: { ProtocolType: 'WEBSOCKET' } }),
    );

    // Act
    const routes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route')
      .map(([, route]) => route.Properties)
      .filter((route) => JSON.stringify(route.ApiId) === JSON.stringify({ Ref: webSocketApiId }));

    // Assess
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: routeSelectionExpression,
    });
    expect(routes.map((route) => route.RouteKey).sort()).toEqual(Object.keys(webSocketRoutes).sort());
    for (const route of routes) {
      const integrationId = JSON.stringify(route.Target).match(/"Ref":"([^"]+)"/)?.[1] ?? '';
      const expectedFunction = webSocketRoutes[route.RouteKey as string] as FunctionName;
      expect(integrations[integrationId]?.Properties.IntegrationType).toBe('AWS_PROXY');
      expect(JSON.stringify(integrations[integrationId]?.Properties.IntegrationUri)).toContain(
        functionLogicalId(template, expectedFunction),
      );
    }
  });

  it('deploys the stage automatically with the default throttle', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const stage = template.findResources('AWS::ApiGatewayV2::Stage', {
      Properties: { StageName: 'prod' },
    });

    // Assess
    expect(Object.keys(stage)).toHaveLength(1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'prod',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
    });
  });

  it('takes the stage name and throttle from the stack props', () => {
    // Prepare
    const props = { stageName: 'beta', webSocketThrottle: { rateLimit: 10, burstLimit: 20 } };

    // Act
    const template = synthesize(props);

    // Assess
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'beta',
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
    for (const name of functionNames.filter((n) => functionPermissions[n].manageConnections)) {
      expect(JSON.stringify(statementsOf(template, name))).toMatch(
        /\/beta\/(\*|POST|DELETE)\/@connections\/\*/,
      );
      expect(JSON.stringify(statementsOf(template, name))).not.toContain('/prod/');
    }
  });

  it('writes access logs to a log group with a format that cannot carry the token', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const stages = resourcesOfType(template, 'AWS::ApiGatewayV2::Stage').filter(
      ([, stage]) => stage.Properties.StageName === 'prod',
    );
    const settings = stages[0]?.[1].Properties.AccessLogSettings as {
      DestinationArn: unknown;
      Format: string;
    };

    // Assess
    expect(JSON.stringify(settings.DestinationArn)).toMatch(/AccessLogs/);
    expect(settings.Format).toBe(accessLogFormat);
    expect(settings.Format.toLowerCase()).not.toMatch(/querystring|header|token|useragent|apikey/);
    for (const variable of [
      'requestId',
      'connectionId',
      'routeKey',
      'eventType',
      'status',
      'error.messageString',
      'authorizer.error',
      'integrationLatency',
      'identity.sourceIp',
    ]) {
      expect(settings.Format).toContain(`$context.${variable}`);
    }
  });

  it('formats each access log line as JSON', () => {
    // Prepare
    const sample = accessLogFormat
      .replace('$context.error.messageString', '"Forbidden"')
      .replace('$context.requestTimeEpoch', '1700000000000');

    // Act
    const line = JSON.parse(sample.replace(/\$context\.[A-Za-z.]+/g, 'x'));

    // Assess
    expect(line).toMatchObject({ requestId: 'x', error: 'Forbidden', requestTime: 1700000000000 });
  });

  it('leaves the account-wide API Gateway logging role alone unless asked', () => {
    // Prepare
    const optIn = { createApiGatewayLoggingRole: true };

    // Act
    const withRole = synthesize(optIn);

    // Assess
    defaultTemplate().resourceCountIs('AWS::ApiGateway::Account', 0);
    withRole.resourceCountIs('AWS::ApiGateway::Account', 1);
    const [stageId] = resourcesOfType(withRole, 'AWS::ApiGatewayV2::Stage').find(
      ([, stage]) => stage.Properties.StageName === 'prod',
    ) ?? [''];
    const accountId = resourcesOfType(withRole, 'AWS::ApiGateway::Account')[0]?.[0];
    expect(withRole.toJSON().Resources[stageId].DependsOn).toContain(accountId);
  });
});

describe('schedules', () => {
  it.each(Object.entries(scheduledFunctions))(
    'runs %s on an EventBridge rate of its interval',
    (name, schedule) => {
      // Prepare
      const template = defaultTemplate();
      const functionId = functionLogicalId(template, name as FunctionName);

      // Act
      const rules = resourcesOfType(template, 'AWS::Events::Rule').filter(([, rule]) =>
        JSON.stringify(rule.Properties.Targets).includes(functionId),
      );

      // Assess
      expect(rules).toHaveLength(1);
      const [ruleId, rule] = rules[0] ?? ['', { Properties: {} }];
      expect(rule.Properties).toMatchObject({
        ScheduleExpression: `rate(${schedule.everySeconds / 60} minute${schedule.everySeconds === 60 ? '' : 's'})`,
        State: 'ENABLED',
        Targets: [{ Arn: { 'Fn::GetAtt': [functionId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } }],
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
      });
    },
  );

  it('sweeps every minute and never retries a failed sweep, since the next one is a minute away', () => {
    // Prepare
    const template = defaultTemplate();
    const sweeper = functionLogicalId(template, 'sweeper');

    // Act
    const invokeConfigs = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig');

    // Assess
    expect(scheduledFunctions.sweeper?.everySeconds).toBe(60);
    expect(resourcesOfType(template, 'AWS::Events::Rule')).toHaveLength(
      Object.keys(scheduledFunctions).length,
    );
    expect(invokeConfigs.map(([, config]) => config.Properties)).toEqual([
      expect.objectContaining({ FunctionName: { Ref: sweeper }, MaximumRetryAttempts: 0 }),
    ]);
    expect(functionProperties(template, 'sweeper').Timeout).toBeLessThan(60);
  });
});

describe('table', () => {
  it('builds keys, indexes, TTL and stream from the shared table layout', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const tables = resourcesOfType(template, 'AWS::DynamoDB::Table');

    // Assess
    expect(tables).toHaveLength(1);
    expect(tables[0]?.[1].Properties).toMatchObject({
      KeySchema: [
        { AttributeName: tableLayout.partitionKey, KeyType: 'HASH' },
        { AttributeName: tableLayout.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: expect.arrayContaining(
        keyAttributeNames.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      ),
      GlobalSecondaryIndexes: tableLayout.globalSecondaryIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: {
          ProjectionType: index.projection.type,
          ...(index.projection.nonKeyAttributes
            ? { NonKeyAttributes: [...index.projection.nonKeyAttributes] }
            : {}),
        },
      })),
      TimeToLiveSpecification: { AttributeName: tableLayout.timeToLiveAttribute, Enabled: true },
      StreamSpecification: { StreamViewType: tableLayout.streamViewType },
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('protects the table and the user pool from deletion when they are retained, and only then', () => {
    // Prepare
    const destroyable = synthesize({ removalPolicy: RemovalPolicy.DESTROY });

    // Act
    const retained = defaultTemplate();

    // Assess
    retained.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
    retained.hasResourceProperties('AWS::Cognito::UserPool', { DeletionProtection: 'ACTIVE' });
    destroyable.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
    destroyable.hasResourceProperties('AWS::Cognito::UserPool', { DeletionProtection: 'INACTIVE' });
  });

  it('keeps the table and the user pool when the stack is deleted, unless told otherwise', () => {
    // Prepare
    const props = { removalPolicy: RemovalPolicy.DESTROY };

    // Act
    const destroyable = synthesize(props);

    // Assess
    defaultTemplate().hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
    defaultTemplate().hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
    destroyable.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    destroyable.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Delete' });
  });
});

describe('identity', () => {
  it('lets only administrators create users, who sign in by username', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const pools = resourcesOfType(template, 'AWS::Cognito::UserPool');

    // Assess
    expect(pools).toHaveLength(1);
    expect(pools[0]?.[1].Properties).toMatchObject({
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
    expect(pools[0]?.[1].Properties.UsernameAttributes).toBeUndefined();
    expect(pools[0]?.[1].Properties.AliasAttributes).toBeUndefined();
  });

  it('issues tokens to a public client through USER_PASSWORD_AUTH and refresh only', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const clients = resourcesOfType(template, 'AWS::Cognito::UserPoolClient');

    // Assess
    expect(clients).toHaveLength(1);
    const client = clients[0]?.[1].Properties ?? {};
    expect(client.GenerateSecret ?? false).toBe(false);
    expect([...(client.ExplicitAuthFlows as string[])].sort()).toEqual([
      'ALLOW_REFRESH_TOKEN_AUTH',
      'ALLOW_USER_PASSWORD_AUTH',
    ]);
    expect(client).toMatchObject({
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      AccessTokenValidity: 60,
      RefreshTokenValidity: 43200,
      TokenValidityUnits: { AccessToken: 'minutes', RefreshToken: 'minutes' },
      AllowedOAuthFlowsUserPoolClient: false,
    });
  });

  it('lets a user’s own access token change display attributes only, never email or phone', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const client = resourcesOfType(template, 'AWS::Cognito::UserPoolClient')[0]?.[1].Properties ?? {};

    // Assess
    expect([...(client.WriteAttributes as string[])].sort()).toEqual([
      'locale',
      'name',
      'nickname',
      'zoneinfo',
    ]);
  });

  it('generates the ticket key in Secrets Manager at deploy, so no template or variable holds it', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const secrets = resourcesOfType(template, 'AWS::SecretsManager::Secret');

    // Assess
    expect(secrets).toHaveLength(1);
    expect(secrets[0]?.[1].Properties).toMatchObject({
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
    });
    expect(secrets[0]?.[1].Properties.SecretString).toBeUndefined();
  });

  it('creates the admin and moderator groups', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const groups = resourcesOfType(template, 'AWS::Cognito::UserPoolGroup').map(
      ([, group]) => group.Properties.GroupName,
    );

    // Assess
    expect(groups.sort()).toEqual(['admin', 'moderator']);
  });
});

describe('HTTP API', () => {
  it('serves the catalogue HTTP routes publicly from a throttled, auto-deployed $default stage', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const routes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route')
      .map(([, route]) => route.Properties)
      .filter((route) => String(route.RouteKey).includes(' /'));

    // Assess
    expect(routes.map((route) => route.RouteKey).sort()).toEqual(Object.keys(httpRoutes).sort());
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.absent(),
    });
  });

  it('allows the configured browser origins to send a bearer token but no cookies', () => {
    // Prepare
    const props = { corsAllowedOrigins: ['https://chat.example.com'] };

    // Act
    const template = synthesize(props);

    // Assess
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: {
        AllowOrigins: ['https://chat.example.com'],
        AllowMethods: ['POST', 'OPTIONS'],
        AllowHeaders: ['content-type', 'authorization'],
        AllowCredentials: false,
      },
    });
  });

  it('writes HTTP API access logs to a log group with a format that cannot carry a credential', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const stage = resourcesOfType(template, 'AWS::ApiGatewayV2::Stage').find(
      ([, candidate]) => candidate.Properties.StageName === '$default',
    )?.[1];
    const settings = stage?.Properties.AccessLogSettings as { DestinationArn: unknown; Format: string };

    // Assess
    expect(JSON.stringify(settings.DestinationArn)).toMatch(/HttpAccessLogs/);
    expect(settings.Format).toBe(httpAccessLogFormat);
    // No header, query string, path, body, cookie or user agent variable: those carry tokens and passwords.
    expect(settings.Format.toLowerCase()).not.toMatch(
      /header|querystring|path|body|cookie|useragent|authorizer|token/,
    );
    for (const variable of ['requestId', 'routeKey', 'status', 'identity.sourceIp', 'error.messageString']) {
      expect(settings.Format).toContain(`$context.${variable}`);
    }
    const line = JSON.parse(
      httpAccessLogFormat
        .replace('$context.error.messageString', '"-"')
        .replace('$context.requestTimeEpoch', '1')
        .replace(/\$context\.[A-Za-z.]+/g, 'x'),
    );
    expect(line).toMatchObject({ routeKey: 'x', status: 'x', error: '-' });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Retain',
    });
  });

  it('allows cross-origin credentials when /login sets the token cookie', () => {
    // Prepare
    const props = {
      corsAllowedOrigins: ['https://chat.example.com'],
      allowedOrigins: ['https://chat.example.com'],
      loginCookie: {},
    };

    // Act
    const template = synthesize(props);

    // Assess
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: { AllowOrigins: ['https://chat.example.com'], AllowCredentials: true },
    });
  });
});

describe('outputs', () => {
  it.each(['WebSocketUrl', 'HttpApiUrl', 'UserPoolId', 'UserPoolClientId', 'TableName'])(
    'exports %s',
    (output) => {
      // Prepare
      const template = defaultTemplate();

      // Act
      const outputs = template.findOutputs(output);

      // Assess
      expect(Object.keys(outputs)).toEqual([output]);
    },
  );

  it('exports the wss:// URL of the stage', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const url = JSON.stringify(template.findOutputs('WebSocketUrl').WebSocketUrl?.Value);

    // Assess
    expect(url).toMatch(/^\{"Fn::Join":\["",\["wss:\/\/",.*"\/prod"\]\]\}$/);
  });
});
