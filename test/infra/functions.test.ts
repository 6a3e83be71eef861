import { beforeAll, describe, expect, it } from 'vitest';
import { type FunctionName, queueConsumers, scheduledFunctions } from '../../lambdas/functions.ts';
import { functionPermissions } from '../../lib/function-permissions.ts';
import {
  actionsOf,
  allowedActions,
  defaultTemplate,
  functionLogicalId,
  functionNames,
  functionProperties,
  resourcesOfType,
  type Statement,
  statementsOf,
  streamReadActions,
  synthesize,
  tableLogicalId,
  tableStatementsOf,
} from './template-helpers.ts';

/** The log-writing grant every function has on its own log group (checked on its own below). */
function isOwnLogWriting(
  template: ReturnType<typeof defaultTemplate>,
  name: FunctionName,
  statement: Statement,
): boolean {
  const logGroup = (functionProperties(template, name).LoggingConfig as { LogGroup: { Ref: string } })
    .LogGroup.Ref;
  return JSON.stringify(statement.Resource) === JSON.stringify({ 'Fn::GetAtt': [logGroup, 'Arn'] });
}

beforeAll(() => {
  // Synthesis is slow on a busy machine: pay for it once, under the hook timeout.
  defaultTemplate();
});

describe('permissions', () => {
  /** The @connections methods each posting function is granted; `*` is all three. */
  const connectionGrants: Partial<Record<FunctionName, readonly string[]>> = {
    connect: ['*'],
    connectionEvents: ['POST'],
    default: ['*'],
    disconnect: ['*'],
    joinRoom: ['*'],
    leaveRoom: ['*'],
    history: ['*'],
    logout: ['POST', 'DELETE'],
    moderation: ['*'],
    presence: ['*'],
    reauth: ['*'],
    rooms: ['*'],
    sendMessage: ['*'],
    sequencer: ['POST'],
    shardDelivery: ['POST'],
    sweeper: ['*'],
  };

  it('scopes ManageConnections to the @connections of its own stage, by method where it can be', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const granted = Object.fromEntries(
      functionNames.map((name) => [
        name,
        statementsOf(template, name)
          .filter((statement) => actionsOf(statement).includes('execute-api:ManageConnections'))
          .flatMap((statement) => {
            expect(actionsOf(statement)).toEqual(['execute-api:ManageConnections']);
            const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
            return resources.map((resource) => {
              const method = JSON.stringify(resource).match(/\/prod\/([^/]+)\/@connections\/\*/)?.[1];
              expect(method, `${name}: ${JSON.stringify(resource)}`).toBeDefined();
              return method;
            });
          }),
      ]),
    );

    // Assess
    for (const name of functionNames) {
      expect(granted[name], name).toEqual(connectionGrants[name] ?? []);
    }
  });

  it('grants ManageConnections to exactly the functions that post to clients', () => {
    // Prepare
    const template = defaultTemplate();
    // connect posts too: at the per-user cap it probes older holders and tells rooms about vanished ones.
    // reauth answers and closes; the sweeper notifies, closes and tells rooms; logout closes a user's
    // connections everywhere. The authorizer, ticket, login, password and refresh never reach a connection.
    const expected = Object.keys(connectionGrants).sort();

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
    const { tableActions, tickets } = functionPermissions[name];
    const ticketAction = tickets === 'issue' ? ['PutItem'] : tickets === 'redeem' ? ['DeleteItem'] : [];
    const expected = [...new Set([...tableActions, ...ticketAction])]
      .map((action) => `dynamodb:${action}`)
      .sort();

    // Act
    const granted = allowedActions(template, name, 'dynamodb:').filter(
      (action) => !(name === 'connectionEvents' && streamReadActions.includes(action)),
    );

    // Assess
    expect(granted).toEqual(expected);
  });

  it.each(['refresh', 'password'] as const)('gives %s no AWS permissions beyond logging', (name) => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const statements = statementsOf(template, name).filter(
      (statement) => !isOwnLogWriting(template, name, statement),
    );

    // Assess
    expect(statements).toEqual([]);
  });

  it.each(functionNames)('lets %s write to its own log group and to no other', (name) => {
    // Prepare
    const template = defaultTemplate();
    const logGroup = (functionProperties(template, name).LoggingConfig as { LogGroup: { Ref: string } })
      .LogGroup.Ref;

    // Act
    const logging = statementsOf(template, name).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('logs:')),
    );
    const roleId = (functionProperties(template, name).Role as { 'Fn::GetAtt': [string, string] })[
      'Fn::GetAtt'
    ][0];
    const role = template.toJSON().Resources[roleId] as { Properties: { ManagedPolicyArns?: unknown } };

    // Assess
    expect(logging).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroup, 'Arn'] },
      },
    ]);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('lets login read and write the failed-login record of a username, and nothing else', () => {
    // Prepare
    const template = defaultTemplate();
    const tableId = tableLogicalId(template);

    // Act
    const statements = statementsOf(template, 'login').filter(
      (statement) => !isOwnLogWriting(template, 'login', statement),
    );

    // Assess
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LOGIN#*'] } },
      },
    ]);
  });

  it.each([
    ['authorizer', 'dynamodb:DeleteItem'],
    ['reauth', 'dynamodb:DeleteItem'],
    ['ticket', 'dynamodb:PutItem'],
  ] as const)('lets %s reach ticket items with %s alone, and read the ticket key alone', (name, action) => {
    // Prepare
    const template = defaultTemplate();
    const tableId = tableLogicalId(template);
    const [secretId] = Object.keys(template.findResources('AWS::SecretsManager::Secret'));

    // Act
    const statements = statementsOf(template, name);

    // Assess
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: action,
      Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TICKET#*'] } },
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: { Ref: secretId },
    });
    expect(
      statements.filter((statement) => JSON.stringify(statement).includes('secretsmanager')),
    ).toHaveLength(1);
  });

  it('lets no other function read the ticket key', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const readers = functionNames.filter(
      (name) => allowedActions(template, name, 'secretsmanager:').length > 0,
    );

    // Assess
    expect(readers.sort()).toEqual(['authorizer', 'reauth', 'ticket']);
  });

  const lifecycle = ['CONN#*', 'ROOM#*', 'USER#*'];
  it.each<[FunctionName, readonly string[]]>([
    ['connect', lifecycle],
    ['disconnect', lifecycle],
    // Every message route may close its caller (kept sending while refused), removing its rows.
    ['default', lifecycle],
    // With `since`, a join reads (and may fill holes in) the room's history.
    ['joinRoom', [...lifecycle, 'HIST#*']],
    ['leaveRoom', lifecycle],
    ['sendMessage', lifecycle],
    ['rooms', [...lifecycle, 'HIST#*', 'ROOMS']],
    ['moderation', lifecycle],
    ['presence', lifecycle],
    ['history', [...lifecycle, 'HIST#*']],
    ['connectionEvents', lifecycle],
    ['reauth', lifecycle],
    ['sequencer', [...lifecycle, 'HIST#*', 'BUDGET']],
    ['shardDelivery', [...lifecycle, 'BUDGET']],
    ['sweeper', [...lifecycle, 'SWEEP#*']],
    ['login', ['LOGIN#*']],
    ['logout', lifecycle],
  ])('restricts %s to the items it uses with dynamodb:LeadingKeys', (name, leadingKeys) => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const conditions = tableStatementsOf(template, name)
      .filter((statement) => !JSON.stringify(statement.Condition).includes('TICKET#'))
      .map((statement) => statement.Condition);

    // Assess
    expect(conditions).toEqual([{ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': leadingKeys } }]);
  });

  it('leaves no function with table access that LeadingKeys does not restrict', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const unrestricted = functionNames.flatMap((name) =>
      tableStatementsOf(template, name)
        .filter((statement) => !statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'])
        .map(() => name),
    );

    // Assess
    expect(unrestricted).toEqual([]);
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
      const queries = actionsOf(statement).includes('dynamodb:Query');
      expect(statement.Resource, name).toEqual(
        queries ? [tableArn, { 'Fn::Join': ['', [tableArn, '/index/*']] }] : tableArn,
      );
    }
    // The sweeper finds due connections through the bySweep index, logout a user's through byUser.
    expect(JSON.stringify(tableStatementsOf(template, 'sweeper')[0]?.Resource)).toContain('/index/*');
    expect(JSON.stringify(tableStatementsOf(template, 'logout')[0]?.Resource)).toContain('/index/*');
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

  it('grants on "*" only where AWS requires it, each listed with the reason', () => {
    // Prepare
    const templates = [defaultTemplate(), synthesize({ createApiGatewayLoggingRole: true })];
    /** Every grant on `*` in the stack (inline statements and AWS managed policies), and why. */
    const whyAwsRequiresIt: Record<string, string> = {
      // The DynamoDB event source of connectionEvents: DescribeStream, GetRecords and GetShardIterator
      // are granted on the stream's ARN, but ListStreams has no resource type at all (Service
      // Authorization Reference for DynamoDB): it lists the streams of the account.
      'inline dynamodb:ListStreams': 'ListStreams has no resource type',
      // Only with createApiGatewayLoggingRole: the role API Gateway assumes to write logs for every REST
      // and WebSocket API of the account and Region (AWS::ApiGateway::Account is account-wide), so it
      // cannot name one log group. The AWS managed policy API Gateway documents for it.
      'managed AmazonAPIGatewayPushToCloudWatchLogs': 'the account-wide API Gateway logging role',
    };

    // Act
    const wildcards = new Set<string>();
    for (const template of templates) {
      for (const [, policy] of resourcesOfType(template, 'AWS::IAM::Policy')) {
        for (const statement of (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement) {
          const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
          if (!resources.includes('*')) continue;
          for (const action of actionsOf(statement)) wildcards.add(`inline ${action}`);
        }
      }
      // AWS managed policies: every one attached anywhere is listed, by name.
      for (const [, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
        for (const arn of (role.Properties.ManagedPolicyArns as unknown[] | undefined) ?? []) {
          wildcards.add(
            `managed ${JSON.stringify(arn).match(/policy\/(?:service-role\/)?([A-Za-z0-9]+)/)?.[1]}`,
          );
        }
      }
    }

    // Assess
    expect([...wildcards].sort()).toEqual(Object.keys(whyAwsRequiresIt).sort());
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
