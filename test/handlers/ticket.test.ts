import { createSecretKey } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  InternalServerError,
} from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoTicketStore } from '../../lambdas/adapters/dynamo-ticket-store.ts';
import { createJsonLogger } from '../../lambdas/adapters/json-logger.ts';
import { createTokenVerifier } from '../../lambdas/adapters/token-verifier.ts';
import type { TokenIssuerConfig } from '../../lambdas/config.ts';
import { checkTicket, ticketDigest } from '../../lambdas/core/connection-tickets.ts';
import { createAuthorizerHandler } from '../../lambdas/handlers/authorizer.ts';
import { createTicketHandler, type TicketHandlerDeps } from '../../lambdas/handlers/ticket.ts';
import { authorizerEvent, ticketEvent } from '../fixtures/http-events.ts';
import {
  jwksOf,
  oidcAccessClaims,
  oidcAudience,
  oidcIssuer,
  oidcJwksUri,
  rsaKey,
  signJwt,
  staticJwksFetcher,
} from '../fixtures/jwt.ts';
import { testTicketKey, testTicketKeySource } from '../fixtures/tickets.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);
const key = rsaKey('ticket-key');
const jwks = jwksOf(key);
const config: TokenIssuerConfig = {
  kind: 'oidc',
  issuer: oidcIssuer,
  audience: [oidcAudience],
  jwksUri: oidcJwksUri,
  tokenUse: 'access',
  groupsClaim: 'cognito:groups',
};
const now = Date.now();
const nowSeconds = Math.floor(now / 1000);
let logLines: string[] = [];

function verifier() {
  const created = createTokenVerifier(config, { fetcher: staticJwksFetcher(jwks) });
  created.cacheJwks(jwks);
  return created;
}

const tickets = () =>
  new DynamoTicketStore(
    DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
    ),
    'parley-test',
    () => now,
  );

function ticketHandler(overrides: Partial<TicketHandlerDeps> = {}) {
  return createTicketHandler({
    verifier: verifier(),
    tickets: tickets(),
    ticketKey: testTicketKeySource,
    logger: createJsonLogger({ function: 'ticket' }, (line) => logLines.push(line)),
    now: () => now,
    ...overrides,
  });
}

const logs = () => logLines.map((line) => JSON.parse(line) as Record<string, unknown>);

beforeEach(() => {
  dynamo.reset();
  secrets.reset();
  dynamo.on(PutCommand).resolves({});
  logLines = [];
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('POST /ticket', () => {
  it('trades a valid bearer token for a one-time ticket, uncached', async () => {
    // Prepare
    const token = signJwt(key, oidcAccessClaims({ sub: 'user-7', username: 'erin', exp: nowSeconds + 3600 }));

    // Act
    const response = await ticketHandler()(ticketEvent(token, { requestId: 'req-ticket' }));

    // Assess
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body ?? '') as { ticket: string; expiresIn: number };
    expect(Object.keys(body).sort()).toEqual(['expiresIn', 'ticket']);
    // Sealed under the key, so the authorizer can check it without the table.
    expect(checkTicket(testTicketKey, body.ticket, nowSeconds)).toEqual({
      success: true,
      data: Math.ceil((now + 30_000) / 1000),
    });
    expect(body.expiresIn).toBe(30);
    expect(response.headers).toMatchObject({ 'cache-control': 'no-store' });
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'parley-test',
      Item: expect.objectContaining({
        pk: `TICKET#${ticketDigest(body.ticket)}`,
        sk: 'TICKET',
        userId: 'user-7',
        username: 'erin',
        groups: ['moderator'],
        tokenExpiresAt: nowSeconds + 3600,
        validUntil: now + 30_000,
      }),
    });
    expect(logs()).toEqual([
      expect.objectContaining({
        message: 'ticket issued',
        userId: 'user-7',
        expiresIn: 30,
        requestId: 'req-ticket',
      }),
    ]);
    expect(logLines.join('\n')).not.toContain(body.ticket);
  });

  it('never lets a ticket outlive its token', async () => {
    // Prepare
    const token = signJwt(key, oidcAccessClaims({ exp: nowSeconds + 10 }));

    // Act
    const response = await ticketHandler()(ticketEvent(token));

    // Assess
    expect(JSON.parse(response.body ?? '').expiresIn).toBe(10);
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ validUntil: now + 10_000 }),
    });
  });

  it('uses the configured lifetime', async () => {
    // Act
    const response = await ticketHandler({ ttlSeconds: 5 })(ticketEvent(signJwt(key, oidcAccessClaims())));

    // Assess
    expect(JSON.parse(response.body ?? '').expiresIn).toBe(5);
  });

  it.each([
    ['no Authorization header', null],
    ['an empty Authorization header', ''],
    ['another scheme', 'Basic YWxpY2U6cGFzc3dvcmQx'],
    ['the scheme alone', 'Bearer'],
  ])('answers %s with 401 Missing bearer token', async (_case, authorization) => {
    // Act
    const response = await ticketHandler()(ticketEvent(undefined, { authorization }));

    // Assess
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body ?? '')).toEqual({ message: 'Missing bearer token' });
    expect(response.headers).toMatchObject({ 'www-authenticate': 'Bearer', 'cache-control': 'no-store' });
    expect(dynamo.calls()).toHaveLength(0);
    expect(logs()).toEqual([expect.objectContaining({ message: 'ticket refused', reason: 'TokenMissing' })]);
  });

  it('accepts the scheme in any case (RFC 6750)', async () => {
    // Act
    const response = await ticketHandler()(
      ticketEvent(undefined, { authorization: `bearer ${signJwt(key, oidcAccessClaims())}` }),
    );

    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('answers an invalid token with 401 invalid_token and the failed check in the log', async () => {
    // Act
    const response = await ticketHandler()(
      ticketEvent(signJwt(key, oidcAccessClaims({ exp: nowSeconds - 5 }))),
    );

    // Assess
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body ?? '')).toEqual({ message: 'Invalid or expired token' });
    expect(response.headers).toMatchObject({ 'www-authenticate': 'Bearer error="invalid_token"' });
    expect(logs()).toEqual([expect.objectContaining({ reason: 'JwtExpiredError' })]);
  });

  it('answers a store failure with 500 and logs only the error name', async () => {
    // Prepare
    dynamo.on(PutCommand).rejects(new InternalServerError({ message: 'boom', $metadata: {} }));

    // Act
    const response = await ticketHandler()(ticketEvent(signJwt(key, oidcAccessClaims())));

    // Assess
    expect(response.statusCode).toBe(500);
    expect(logs()).toEqual([expect.objectContaining({ level: 'ERROR', errorName: 'InternalServerError' })]);
  });

  it('answers an unreachable JWKS with 500, not 401', async () => {
    // Prepare
    const unreachable = createTokenVerifier(config, {
      fetcher: {
        fetch: async () => {
          throw new Error('connect ECONNREFUSED');
        },
      },
    });

    // Act
    const response = await ticketHandler({ verifier: unreachable })(
      ticketEvent(signJwt(key, oidcAccessClaims())),
    );

    // Assess
    expect(response.statusCode).toBe(500);
    expect(logs()).toEqual([expect.objectContaining({ level: 'ERROR', reason: 'UnexpectedError' })]);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('answers 500 when the ticket key cannot be read, but still 401 for a bad token', async () => {
    // Prepare
    const unreadable = ticketHandler({
      ticketKey: async () => {
        throw new Error('Secrets Manager is unreachable');
      },
    });

    // Act
    const outage = await unreadable(ticketEvent(signJwt(key, oidcAccessClaims())));
    const bad = await unreadable(ticketEvent(signJwt(key, oidcAccessClaims({ exp: nowSeconds - 5 }))));

    // Assess
    expect(outage.statusCode).toBe(500);
    expect(JSON.parse(outage.body ?? '')).toEqual({ message: 'Ticket could not be issued; try again later' });
    expect(bad.statusCode).toBe(401);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('takes the token cookie in cookie mode, under the name /login sets, and only then', async () => {
    // Prepare
    const token = signJwt(key, oidcAccessClaims({ sub: 'cookie-user' }));
    const cookies = ['theme=dark', `__Host-parley_token=${token}`];
    const cookieMode = { enabled: true, tokensInBody: false } as const;

    // Act
    const hostOnly = await ticketHandler({ tokenCookie: cookieMode })(ticketEvent(undefined, { cookies }));
    const wrongName = await ticketHandler({ tokenCookie: { ...cookieMode, domain: 'example.com' } })(
      ticketEvent(undefined, { cookies }),
    );
    const cookiesOff = await ticketHandler()(ticketEvent(undefined, { cookies }));

    // Assess
    expect(hostOnly.statusCode).toBe(200);
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ userId: 'cookie-user' }),
    });
    expect(wrongName.statusCode).toBe(401);
    expect(cookiesOff.statusCode).toBe(401);
  });

  it('refuses a foreign Origin with 403 in cookie mode, before looking at the token', async () => {
    // Prepare
    const handler = ticketHandler({
      tokenCookie: { enabled: true, tokensInBody: true },
      origins: { allowedOrigins: new Set(['https://chat.example.com']), allowMissingOrigin: true },
    });
    const token = signJwt(key, oidcAccessClaims());

    // Act
    const foreign = await handler(ticketEvent(token, { headers: { origin: 'https://evil.example' } }));
    const allowed = await handler(ticketEvent(token, { headers: { origin: 'https://chat.example.com' } }));
    const none = await handler(ticketEvent(token));

    // Assess
    expect(foreign.statusCode).toBe(403);
    expect(JSON.parse(foreign.body ?? '')).toEqual({
      message: 'Origin "https://evil.example" may not call this API',
    });
    expect([allowed.statusCode, none.statusCode]).toEqual([200, 200]);
    expect(logs()).toContainEqual(expect.objectContaining({ reason: 'OriginNotAllowed' }));
    expect(dynamo).toHaveReceivedCommandTimes(PutCommand, 2);
  });

  it('issues a ticket that opens exactly one connection', async () => {
    // Prepare
    const table = new Map<string, Record<string, unknown>>();
    dynamo.on(PutCommand).callsFake((input) => {
      table.set(String(input.Item.pk), input.Item);
      return {};
    });
    dynamo.on(DeleteCommand).callsFake((input) => {
      const item = table.get(String(input.Key.pk));
      if (!item || !((item.validUntil as number) > input.ExpressionAttributeValues[':now'])) {
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
        });
      }
      table.delete(String(input.Key.pk));
      return { Attributes: item };
    });
    const token = signJwt(key, oidcAccessClaims({ sub: 'one-connection' }));
    const authorizer = createAuthorizerHandler({
      verifier: verifier(),
      tickets: { store: tickets(), key: testTicketKeySource },
      now: () => now,
    });
    vi.spyOn(console, 'log').mockImplementation(() => undefined);

    // Act
    const { ticket } = JSON.parse((await ticketHandler()(ticketEvent(token))).body ?? '{}') as {
      ticket: string;
    };
    const outcomes = await Promise.allSettled([
      authorizer(authorizerEvent({ ticket })),
      authorizer(authorizerEvent({ ticket })),
      authorizer(authorizerEvent({ ticket })),
    ]);

    // Assess
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toEqual([
      { status: 'fulfilled', value: expect.objectContaining({ principalId: 'one-connection' }) },
    ]);
    expect(table.size).toBe(0);
    vi.restoreAllMocks();
  });

  it('requires TABLE_NAME and TICKET_KEY_SECRET_ARN in the default handler', async () => {
    // Prepare
    vi.stubEnv('TABLE_NAME', '');
    vi.resetModules();
    const { handler } = await import('../../lambdas/handlers/ticket.ts');

    // Act & Assess
    await expect(handler(ticketEvent('a.b.c'))).rejects.toThrow(
      /TABLE_NAME is required.*TICKET_KEY_SECRET_ARN is required/,
    );
  });

  it('reads the ticket key from Secrets Manager once, and seals tickets with it', async () => {
    // Prepare
    const secretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ticket-key';
    const secret = 's'.repeat(40);
    for (const [name, value] of Object.entries({
      TICKET_KEY_SECRET_ARN: secretArn,
      AUTH_MODE: 'oidc',
      OIDC_ISSUER: oidcIssuer,
      OIDC_AUDIENCE: oidcAudience,
      // Served by the stub below, installed as the local stack installs its loopback fetcher.
      OIDC_JWKS_URI: 'http://127.0.0.1:1/.well-known/jwks.json',
      OIDC_TOKEN_USE: 'access',
    })) {
      vi.stubEnv(name, value);
    }
    vi.resetModules();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: secret });
    (await import('../../lambdas/adapters/token-verifier.ts')).installLoopbackJwksFetcher(
      staticJwksFetcher(jwks),
    );
    const { handler } = await import('../../lambdas/handlers/ticket.ts');
    vi.spyOn(console, 'log').mockImplementation(() => undefined);

    // Act
    const refused = await handler(ticketEvent('garbage'));
    const issued = await handler(ticketEvent(signJwt(key, oidcAccessClaims())));

    // Assess
    expect(refused.statusCode).toBe(401);
    expect(issued.statusCode).toBe(200);
    const { ticket } = JSON.parse(issued.body ?? '{}') as { ticket: string };
    const sealedWith = (bytes: Buffer) => checkTicket(createSecretKey(bytes), ticket, nowSeconds).success;
    expect(sealedWith(Buffer.from(secret))).toBe(true);
    expect(sealedWith(Buffer.from('t'.repeat(40)))).toBe(false);
    expect(secrets).toHaveReceivedCommandExactlyOnceWith(GetSecretValueCommand, { SecretId: secretArn });
    vi.restoreAllMocks();
  });

  it('reads TICKET_TTL_SECONDS in the default handler', async () => {
    // Prepare
    vi.stubEnv('TICKET_TTL_SECONDS', '0');
    vi.resetModules();
    const { handler } = await import('../../lambdas/handlers/ticket.ts');

    // Act & Assess
    await expect(handler(ticketEvent(undefined))).rejects.toThrow(
      /TICKET_TTL_SECONDS must be an integer from 1 to 300/,
    );
  });
});
