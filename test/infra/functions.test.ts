import { describe, expect, it } from 'vitest';
import { queueConsumers, scheduledFunctions } from '../../lambdas/functions.ts';
import { functionPermissions } from '../../lib/function-permissions.ts';
import {
  actionsOf,
  allowedActions,
  defaultTemplate,
  functionLogicalId,
  functionNames,
  functionProperties,
  resourcesOfType,
  statementsOf,
  streamReadActions,
  tableLogicalId,
  tableStatementsOf,
} from './template-helpers.ts';

const tableUsers = functionNames.filter((name) => functionPermissions[name].tableActions.length > 0);

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
    // reauth answers and closes; the sweeper notifies, closes and tells rooms. The authorizer, ticket and
    // the login functions never reach a connection.
    const expected = [
      'connect',
      'connectionEvents',
      'default',
      'disconnect',
      'history',
      'joinRoom',
      'leaveRoom',
      'moderation',
      'presence',
      'reauth',
      'rooms',
      'sendMessage',
      'sequencer',
      'shardDelivery',
      'sweeper',
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

  it.each(['login', 'refresh', 'logout'] as const)('gives %s no AWS permissions beyond logging', (name) => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const statements = statementsOf(template, name);

    // Assess
    expect(statements).toEqual([]);
  });

  it.each([
    ['authorizer', 'dynamodb:DeleteItem'],
    ['ticket', 'dynamodb:PutItem'],
  ] as const)('lets %s reach ticket items only, with %s alone', (name, action) => {
    // Prepare
    const template = defaultTemplate();
    const tableId = tableLogicalId(template);

    // Act
    const statements = statementsOf(template, name);

    // Assess
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: action,
        Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TICKET#*'] } },
      },
    ]);
  });

  it.each(tableUsers)('restricts the items %s may reach exactly as mapped', (name) => {
    // Prepare
    const template = defaultTemplate();
    const { leadingKeys } = functionPermissions[name];

    // Act
    const conditions = tableStatementsOf(template, name).map((statement) => statement.Condition);

    // Assess
    expect(conditions).toHaveLength(1);
    for (const condition of conditions) {
      expect(condition).toEqual(
        leadingKeys ? { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...leadingKeys] } } : undefined,
      );
    }
  });

  it('grants table actions on the table, and on its indexes only to functions that query', () => {
    // Prepare
    const template = defaultTemplate();
    const tableArn = { 'Fn::GetAtt': [tableLogicalId(template), 'Arn'] };

    // Act
    const statements = functionNames.flatMap((name) =>
      tableStatementsOf(template, name).map((statement) => ({ name, statement })),
    );

    // Assess
    expect(statements.length).toBeGreaterThan(0);
    for (const { name, statement } of statements) {
      const queries = functionPermissions[name].tableActions.includes('Query');
      expect(statement.Resource, name).toEqual(
        queries ? [tableArn, { 'Fn::Join': ['', [tableArn, '/index/*']] }] : tableArn,
      );
    }
    // The sweeper finds due connections through the bySweep index.
    expect(JSON.stringify(tableStatementsOf(template, 'sweeper')[0]?.Resource)).toContain('/index/*');
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
    // The fan-out's workers post to many connections at once: more memory buys them CPU and network.
    expect(properties.MemorySize).toBeLessThanOrEqual(queueConsumers[name] ? 1024 : 512);
    // API Gateway stops waiting after 29 s; a scheduled function must end before its next run starts; a
    // queue consumer gets the timeout its queue's visibility timeout was sized for.
    if (queueConsumers[name]) expect(properties.Timeout).toBe(queueConsumers[name]?.timeoutSeconds);
    else expect(properties.Timeout).toBeLessThan(scheduledFunctions[name]?.everySeconds ?? 31);
    const logGroupId = (properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(template.toJSON().Resources[logGroupId]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Retain',
    });
  });

  it('feeds connectionEvents only the INSERTs of connection items from the table stream', () => {
    // Prepare
    const template = defaultTemplate();
    const tableId = resourcesOfType(template, 'AWS::DynamoDB::Table')[0]?.[0];

    // Act
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').filter(([, mapping]) =>
      JSON.stringify(mapping.Properties.EventSourceArn).includes('StreamArn'),
    );

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
