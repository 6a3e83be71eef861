import { describe, expect, it } from 'vitest';
import { functionPermissions } from '../../lib/function-permissions.ts';
import {
  actionsOf,
  allowedActions,
  defaultTemplate,
  environmentOf,
  functionLogicalId,
  functionNames,
  functionProperties,
  resourcesOfType,
  statementsOf,
  streamReadActions,
  synthesize,
} from './template-helpers.ts';

describe('permissions', () => {
  it('scopes ManageConnections to the @connections of its own stage', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const statements = functionNames.flatMap((name) =>
      statementsOf(template, name).filter((statement) =>
        actionsOf(statement).includes('execute-api:ManageConnections'),
      ),
    );

    // Assess
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      const resource = JSON.stringify(statement.Resource);
      expect(resource).toContain('/prod/*/@connections/*');
      expect(resource).not.toContain('/*/*/@connections');
      expect(actionsOf(statement)).toEqual(['execute-api:ManageConnections']);
    }
  });

  it('grants ManageConnections to exactly the functions that post to clients', () => {
    // Prepare
    const template = defaultTemplate();
    // connect posts too: at the per-user cap it probes older holders and tells rooms about vanished ones.
    const expected = [
      'connect',
      'connectionEvents',
      'default',
      'disconnect',
      'joinRoom',
      'leaveRoom',
      'sendMessage',
    ];

    // Act
    const granted = functionNames.filter((name) => allowedActions(template, name, 'execute-api:').length > 0);

    // Assess
    expect(granted.sort()).toEqual(expected);
    expect(functionNames.filter((name) => functionPermissions[name].manageConnections).sort()).toEqual(
      expected,
    );
  });

  it.each(functionNames)('grants %s exactly its mapped table actions', (name) => {
    // Prepare
    const template = defaultTemplate();
    const expected = functionPermissions[name].tableActions.map((action) => `dynamodb:${action}`).sort();

    // Act
    const granted = allowedActions(template, name, 'dynamodb:').filter(
      (action) => !(name === 'connectionEvents' && streamReadActions.includes(action)),
    );

    // Assess
    expect(granted).toEqual(expected);
  });

  it.each(['authorizer', 'login', 'refresh'] as const)(
    'gives %s no AWS permissions beyond logging',
    (name) => {
      // Prepare
      const template = defaultTemplate();

      // Act
      const statements = statementsOf(template, name);

      // Assess
      expect(statements).toEqual([]);
      expect(allowedActions(template, name, 'dynamodb:')).toEqual([]);
    },
  );

  it('grants table actions on the table and its indexes only', () => {
    // Prepare
    const template = defaultTemplate();
    const tableId = resourcesOfType(template, 'AWS::DynamoDB::Table')[0]?.[0];

    // Act
    const tableStatements = functionNames.flatMap((name) =>
      statementsOf(template, name).filter((statement) =>
        actionsOf(statement).some(
          (action) => action.startsWith('dynamodb:') && !streamReadActions.includes(action),
        ),
      ),
    );

    // Assess
    expect(tableStatements.length).toBeGreaterThan(0);
    for (const statement of tableStatements) {
      expect(statement.Resource).toEqual([
        { 'Fn::GetAtt': [tableId, 'Arn'] },
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/*']] },
      ]);
    }
  });

  it('lets connectionEvents read the table stream for its event source', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const granted = allowedActions(template, 'connectionEvents', 'dynamodb:');

    // Assess
    expect(granted).toEqual(expect.arrayContaining(streamReadActions));
    for (const name of functionNames.filter((n) => n !== 'connectionEvents')) {
      expect(
        allowedActions(template, name, 'dynamodb:').filter((a) => streamReadActions.includes(a)),
      ).toEqual([]);
    }
  });
});

describe('functions', () => {
  it.each(functionNames)('runs %s on nodejs22.x arm64 with source maps and a bounded log group', (name) => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const properties = functionProperties(template, name);

    // Assess
    expect(properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: { Variables: expect.objectContaining({ NODE_OPTIONS: '--enable-source-maps' }) },
    });
    expect(properties.MemorySize).toBeGreaterThanOrEqual(256);
    expect(properties.MemorySize).toBeLessThanOrEqual(512);
    expect(properties.Timeout).toBeLessThanOrEqual(30);
    const logGroupId = (properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(template.toJSON().Resources[logGroupId]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Retain',
    });
  });

  it('gives the table name and the callback URL to every table user and to no other function', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const environments = Object.fromEntries(
      functionNames.map((name) => [name, environmentOf(template, name)]),
    );

    // Assess
    for (const name of functionNames) {
      const { tableActions } = functionPermissions[name];
      expect('TABLE_NAME' in (environments[name] ?? {}), `${name} TABLE_NAME`).toBe(tableActions.length > 0);
      expect('CALLBACK_URL' in (environments[name] ?? {}), `${name} CALLBACK_URL`).toBe(
        tableActions.length > 0,
      );
    }
    expect(JSON.stringify(environments.sendMessage?.CALLBACK_URL)).toMatch(
      /^\{"Fn::Join".*https:\/\/.*\/prod"\]\]\}$/,
    );
  });

  it('points the authorizer and the login functions at the Cognito app client', () => {
    // Prepare
    const template = defaultTemplate();
    const [clientId] = Object.keys(template.findResources('AWS::Cognito::UserPoolClient'));
    const [poolId] = Object.keys(template.findResources('AWS::Cognito::UserPool'));

    // Act
    const authorizer = environmentOf(template, 'authorizer');

    // Assess
    expect(authorizer).toMatchObject({
      AUTH_MODE: 'cognito',
      COGNITO_USER_POOL_ID: { Ref: poolId },
      COGNITO_CLIENT_ID: { Ref: clientId },
    });
    for (const name of ['login', 'refresh'] as const) {
      expect(environmentOf(template, name)).toMatchObject({ COGNITO_CLIENT_ID: { Ref: clientId } });
    }
  });

  it('points the authorizer at an OIDC issuer when one is given', () => {
    // Prepare
    const oidcIssuer = {
      issuer: 'https://auth.example.com',
      audience: ['parley', 'parley-web'],
      jwksUri: 'https://auth.example.com/keys',
      tokenUse: 'access',
    };

    // Act
    const environment = environmentOf(synthesize({ oidcIssuer }), 'authorizer');

    // Assess
    expect(environment).toMatchObject({
      AUTH_MODE: 'oidc',
      OIDC_ISSUER: 'https://auth.example.com',
      OIDC_AUDIENCE: 'parley,parley-web',
      OIDC_JWKS_URI: 'https://auth.example.com/keys',
      OIDC_TOKEN_USE: 'access',
    });
    expect(environment).not.toHaveProperty('COGNITO_USER_POOL_ID');
  });

  it('feeds connectionEvents only the INSERTs of connection items from the table stream', () => {
    // Prepare
    const template = defaultTemplate();
    const tableId = resourcesOfType(template, 'AWS::DynamoDB::Table')[0]?.[0];

    // Act
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping');

    // Assess
    expect(mappings).toHaveLength(1);
    const properties = mappings[0]?.[1].Properties ?? {};
    expect(properties).toMatchObject({
      FunctionName: { Ref: functionLogicalId(template, 'connectionEvents') },
      EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      StartingPosition: 'LATEST',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 0,
      MaximumRetryAttempts: 3,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const filters = (properties.FilterCriteria as { Filters: { Pattern: string }[] }).Filters;
    expect(filters.map((filter) => JSON.parse(filter.Pattern))).toEqual([
      { eventName: ['INSERT'], dynamodb: { Keys: { sk: { S: ['CONNECTION'] } } } },
    ]);
  });
});
