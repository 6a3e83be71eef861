import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { FunctionName } from '../../lambdas/functions.ts';
import { functionPermissions } from '../../lib/function-permissions.ts';
import type { ParleyStackProps } from '../../lib/parley-stack.ts';
import { defaultTemplate, environmentOf, functionNames, synthesize } from './template-helpers.ts';

const issuer = ['AUTH_MODE', 'COGNITO_USER_POOL_ID', 'COGNITO_CLIENT_ID'];
const session = [
  'TABLE_NAME',
  'CALLBACK_URL',
  'ROOMS_PER_CONNECTION',
  'MEMBERS_PER_ROOM',
  'ROOMS_CREATED_PER_HOUR',
  'ANNOUNCE_JOINS_UP_TO',
  'OCCUPANCY_INTERVAL_SECONDS',
  'HISTORY_RETENTION_DAYS',
  'MAX_REPLAY',
  'HISTORY_HOLE_TIMEOUT_SECONDS',
  'DELETE_OWN_WINDOW_SECONDS',
  'ROOM_MESSAGES_PER_SECOND',
  'ROOM_MESSAGES_BURST',
  'PUBLICATION_QUEUE_URL',
];
const fanout = [
  'DELIVERY_QUEUE_URL',
  'FANOUT_DIRECT_LIMIT',
  'FANOUT_POST_CONCURRENCY',
  'POSTS_PER_SECOND',
  'POSTS_BURST',
  'FANOUT_RETRY_WINDOW_SECONDS',
];
const messageRate = ['RATE_LIMIT_PER_SECOND', 'RATE_LIMIT_BURST', 'RATE_LIMIT_CLOSE_AFTER'];
const messageRoutes = [
  'default',
  'joinRoom',
  'leaveRoom',
  'sendMessage',
  'rooms',
  'moderation',
  'presence',
  'history',
  'reauth',
] as const;

const tickets = ['TABLE_NAME', 'TICKET_KEY_SECRET_ARN', 'TICKET_TTL_SECONDS'];
/** Every credential endpoint: the app client, cookie mode, and the origins a present Origin must match. */
const credentialEndpoint = ['COGNITO_CLIENT_ID', 'LOGIN_COOKIE', 'ALLOW_MISSING_ORIGIN'];

/** What each handler loads at cold start (lambdas/handlers/*.ts), with the default props. */
const expectedVariables: Record<FunctionName, readonly string[]> = {
  authorizer: [...issuer, 'ALLOW_MISSING_ORIGIN', ...tickets, 'LOGIN_COOKIE', 'ALLOW_QUERY_TOKEN'],
  connect: [...session, 'MAX_CONNECTIONS_PER_USER'],
  disconnect: session,
  default: [...session, ...messageRate],
  joinRoom: [...session, ...messageRate],
  leaveRoom: [...session, ...messageRate],
  sendMessage: [...session, ...messageRate],
  rooms: [...session, ...messageRate],
  moderation: [...session, ...messageRate],
  presence: [...session, ...messageRate],
  history: [...session, ...messageRate],
  reauth: [...session, ...messageRate, ...issuer, ...tickets],
  connectionEvents: session,
  sequencer: [...session, ...fanout],
  shardDelivery: [...session, ...fanout],
  sweeper: [...session, 'REAUTH_NOTICE_SECONDS', 'REAUTH_GRACE_SECONDS'],
  login: [...credentialEndpoint, 'TABLE_NAME'],
  password: credentialEndpoint,
  refresh: credentialEndpoint,
  logout: [...credentialEndpoint, ...session],
  ticket: [...issuer, ...tickets, 'LOGIN_COOKIE', 'ALLOW_MISSING_ORIGIN'],
};

const customProps = {
  allowedOrigins: ['https://chat.example.com', 'http://localhost:5173'],
  allowMissingOrigin: false,
  ticketTtlSeconds: 45,
  loginCookie: { domain: 'example.com' },
  maxConnectionsPerUser: 2,
  rateLimit: { perSecond: 3, burst: 6 },
  reauthNoticeSeconds: 300,
  reauthGraceSeconds: 10,
} satisfies ParleyStackProps;

let custom: Template | undefined;
/** The stack with every connection policy prop set, synthesised once. */
function customTemplate(): Template {
  custom ??= synthesize(customProps);
  return custom;
}

/** The message synthesis fails with, or a marker that it did not fail. */
function synthesisError(props: ParleyStackProps): string {
  try {
    synthesize(props);
    return 'synthesised without error';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

describe('function environment', () => {
  it.each(functionNames)('gives %s exactly the variables its handler loads', (name) => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const variables = Object.keys(environmentOf(template, name)).filter((key) => key !== 'NODE_OPTIONS');

    // Assess
    expect(variables.sort()).toEqual([...new Set(expectedVariables[name])].sort());
  });

  it('gives the table name to every table user and the callback URL to exactly the functions that post', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const environments = Object.fromEntries(
      functionNames.map((name) => [name, environmentOf(template, name)]),
    );

    // Assess
    for (const name of functionNames) {
      const { tableActions, tickets, manageConnections } = functionPermissions[name];
      expect('TABLE_NAME' in (environments[name] ?? {}), `${name} TABLE_NAME`).toBe(
        tableActions.length > 0 || tickets !== undefined,
      );
      expect('CALLBACK_URL' in (environments[name] ?? {}), `${name} CALLBACK_URL`).toBe(manageConnections);
    }
    expect(JSON.stringify(environments.sendMessage?.CALLBACK_URL)).toMatch(
      /^\{"Fn::Join".*https:\/\/.*\/prod"\]\]\}$/,
    );
  });

  it('points the token verifiers at the Cognito pool and the login functions at its app client', () => {
    // Prepare
    const template = defaultTemplate();
    const [clientId] = Object.keys(template.findResources('AWS::Cognito::UserPoolClient'));
    const [poolId] = Object.keys(template.findResources('AWS::Cognito::UserPool'));

    // Act
    const environments = Object.fromEntries(
      functionNames.map((name) => [name, environmentOf(template, name)]),
    );

    // Assess
    for (const name of ['authorizer', 'reauth', 'ticket'] as const) {
      expect(environments[name]).toMatchObject({
        AUTH_MODE: 'cognito',
        COGNITO_USER_POOL_ID: { Ref: poolId },
        COGNITO_CLIENT_ID: { Ref: clientId },
      });
    }
    for (const name of ['login', 'password', 'refresh', 'logout'] as const) {
      expect(environments[name]).toMatchObject({ COGNITO_CLIENT_ID: { Ref: clientId } });
    }
  });

  it('gives the functions that seal or open tickets the key secret’s ARN, never its value', () => {
    // Prepare
    const template = defaultTemplate();
    const [secretId] = Object.keys(template.findResources('AWS::SecretsManager::Secret'));

    // Act
    const holders = functionNames.filter((name) => 'TICKET_KEY_SECRET_ARN' in environmentOf(template, name));

    // Assess
    expect(holders.sort()).toEqual(['authorizer', 'reauth', 'ticket']);
    for (const name of holders) {
      expect(environmentOf(template, name).TICKET_KEY_SECRET_ARN).toEqual({ Ref: secretId });
    }
  });

  it('points every token verifier at an OIDC issuer when one is given', () => {
    // Prepare
    const oidcIssuer = {
      issuer: 'https://auth.example.com',
      audience: ['parley', 'parley-web'],
      jwksUri: 'https://auth.example.com/keys',
      tokenUse: 'access',
      groupsClaim: 'roles',
    };

    // Act
    const template = synthesize({ oidcIssuer });

    // Assess
    for (const name of ['authorizer', 'reauth', 'ticket'] as const) {
      const environment = environmentOf(template, name);
      expect(environment).toMatchObject({
        AUTH_MODE: 'oidc',
        OIDC_ISSUER: 'https://auth.example.com',
        OIDC_AUDIENCE: 'parley,parley-web',
        OIDC_JWKS_URI: 'https://auth.example.com/keys',
        OIDC_TOKEN_USE: 'access',
        OIDC_GROUPS_CLAIM: 'roles',
      });
      expect(environment).not.toHaveProperty('COGNITO_USER_POOL_ID');
    }
    expect(environmentOf(template, 'login')).toHaveProperty('COGNITO_CLIENT_ID');
  });

  it('turns the token_use check off only when the OIDC issuer says tokenUse: null', () => {
    // Prepare
    const props: ParleyStackProps = {
      oidcIssuer: { issuer: 'https://auth.example.com', audience: ['parley'], tokenUse: null },
    };

    // Act
    const environment = environmentOf(synthesize(props), 'authorizer');

    // Assess
    expect(environment.OIDC_TOKEN_USE).toBe('none');
    expect(environment).not.toHaveProperty('OIDC_GROUPS_CLAIM');
  });

  it.each([
    ['http://auth.example.com', undefined],
    ['https://auth.example.com', 'http://auth.example.com/keys'],
    ['https://auth.example.com', 'http://127.0.0.1:8787/.well-known/jwks.json'],
  ])('refuses an issuer %s whose key set (%s) is not https, at synth', (issuer, jwksUri) => {
    // Prepare
    const props: ParleyStackProps = {
      oidcIssuer: { issuer, audience: ['parley'], tokenUse: 'access', ...(jwksUri ? { jwksUri } : {}) },
    };

    // Act
    const message = synthesisError(props);

    // Assess
    expect(message).toMatch(/oidcIssuer's JWKS URI must be https:\/\//);
    expect(message).toContain(jwksUri ?? `${issuer}/.well-known/jwks.json`);
  });

  it('refuses loginCookie without allowedOrigins at synth, saying why', () => {
    // Prepare
    const props: ParleyStackProps = { loginCookie: {} };

    // Act
    const message = synthesisError(props);

    // Assess
    expect(message).toMatch(/loginCookie needs allowedOrigins/);
    expect(message).toMatch(/cross-site WebSocket hijacking, login CSRF/);
  });

  it('sets cookie-only mode and the query-token switch from the props', () => {
    // Prepare
    const props: ParleyStackProps = {
      allowedOrigins: ['https://chat.example.com'],
      loginCookie: { tokensInBody: false },
      allowQueryToken: false,
    };

    // Act
    const template = synthesize(props);

    // Assess
    for (const name of ['login', 'password', 'refresh', 'logout', 'ticket', 'authorizer'] as const) {
      expect(environmentOf(template, name), name).toMatchObject({
        LOGIN_COOKIE: 'true',
        TOKENS_IN_BODY: 'false',
      });
    }
    expect(environmentOf(template, 'authorizer').ALLOW_QUERY_TOKEN).toBe('false');
    expect(environmentOf(defaultTemplate(), 'authorizer').ALLOW_QUERY_TOKEN).toBe('true');
    expect(environmentOf(defaultTemplate(), 'login')).not.toHaveProperty('TOKENS_IN_BODY');
  });

  it('lets the authorizer accept any origin and handshakes without one by default', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const environment = environmentOf(template, 'authorizer');

    // Assess
    expect(environment).not.toHaveProperty('ALLOWED_ORIGINS');
    expect(environment.ALLOW_MISSING_ORIGIN).toBe('true');
  });

  it('gives the authorizer the allowed origins and the missing-origin switch from the props', () => {
    // Prepare
    const template = customTemplate();

    // Act
    const environment = environmentOf(template, 'authorizer');

    // Assess
    expect(environment).toMatchObject({
      ALLOWED_ORIGINS: 'https://chat.example.com,http://localhost:5173',
      ALLOW_MISSING_ORIGIN: 'false',
    });
  });

  it.each([
    ['default', defaultTemplate, '30'],
    ['configured', customTemplate, '45'],
  ] as const)('gives the ticket issuer and the authorizer one ticket lifetime (%s)', (_, template, ttl) => {
    // Prepare
    const synthesized = template();

    // Act
    const lifetimes = (['authorizer', 'ticket'] as const).map(
      (name) => environmentOf(synthesized, name).TICKET_TTL_SECONDS,
    );

    // Assess
    expect(lifetimes).toEqual([ttl, ttl]);
  });

  it('caps connections per user at 5 by default and leaves the probe age at its default', () => {
    // Prepare
    const template = defaultTemplate();

    // Act
    const environment = environmentOf(template, 'connect');

    // Assess
    expect(environment.MAX_CONNECTIONS_PER_USER).toBe('5');
    expect(environment).not.toHaveProperty('CONNECT_PROBE_MIN_AGE_SECONDS');
    expect(environmentOf(customTemplate(), 'connect').MAX_CONNECTIONS_PER_USER).toBe('2');
  });

  it.each(messageRoutes)('rate-limits %s at 10 per second with a burst of 20 unless configured', (name) => {
    // Prepare
    const templates = [defaultTemplate(), customTemplate()];

    // Act
    const [defaults, configured] = templates.map((template) => environmentOf(template, name));

    // Assess
    expect(defaults).toMatchObject({
      RATE_LIMIT_PER_SECOND: '10',
      RATE_LIMIT_BURST: '20',
      RATE_LIMIT_CLOSE_AFTER: '20',
    });
    expect(configured).toMatchObject({ RATE_LIMIT_PER_SECOND: '3', RATE_LIMIT_BURST: '6' });
  });

  it('gives no rate limit to functions that handle no client frames', () => {
    // Prepare
    const template = defaultTemplate();
    const others = functionNames.filter((name) => !(messageRoutes as readonly string[]).includes(name));

    // Act
    const limited = others.filter((name) => 'RATE_LIMIT_PER_SECOND' in environmentOf(template, name));

    // Assess
    expect(others.length).toBeGreaterThan(0);
    expect(limited).toEqual([]);
  });

  it('gives the sweeper its notice and grace periods', () => {
    // Prepare
    const templates = [defaultTemplate(), customTemplate()];

    // Act
    const [defaults, configured] = templates.map((template) => environmentOf(template, 'sweeper'));

    // Assess
    expect(defaults).toMatchObject({ REAUTH_NOTICE_SECONDS: '120', REAUTH_GRACE_SECONDS: '30' });
    expect(configured).toMatchObject({ REAUTH_NOTICE_SECONDS: '300', REAUTH_GRACE_SECONDS: '10' });
  });

  it.each(['login', 'password', 'refresh', 'logout', 'ticket', 'authorizer'] as const)(
    'sets the token cookie for %s only when asked',
    (name) => {
      // Prepare
      const templates = [defaultTemplate(), customTemplate()];

      // Act
      const [defaults, configured] = templates.map((template) => environmentOf(template, name));

      // Assess
      expect(defaults?.LOGIN_COOKIE).toBe('false');
      expect(defaults).not.toHaveProperty('COOKIE_DOMAIN');
      expect(configured).toMatchObject({ LOGIN_COOKIE: 'true', COOKIE_DOMAIN: 'example.com' });
    },
  );

  it('refuses props the functions would refuse, naming every problem at synth', () => {
    // Prepare
    const props: ParleyStackProps = {
      maxConnectionsPerUser: -1,
      rateLimit: { perSecond: 10, burst: 0 },
      ticketTtlSeconds: 3600,
      allowedOrigins: ['https://chat.example.com/app'],
      loginCookie: { domain: 'example.com/' },
    };

    // Act
    const message = synthesisError(props);

    // Assess
    expect(message).toMatch(/MAX_CONNECTIONS_PER_USER must be an integer from 0 to 1000, got "-1"/);
    expect(message).toMatch(/RATE_LIMIT_BURST/);
    expect(message).toMatch(/TICKET_TTL_SECONDS/);
    expect(message).toMatch(/ALLOWED_ORIGINS: .*"https:\/\/chat\.example\.com\/app"/);
    expect(message).toMatch(/COOKIE_DOMAIN/);
  });

  it('refuses an empty origin list instead of reading it as any origin', () => {
    // Prepare
    const props: ParleyStackProps = { allowedOrigins: [] };

    // Act
    const message = synthesisError(props);

    // Assess
    expect(message).toMatch(/allowedOrigins must list at least one origin/);
  });
});
