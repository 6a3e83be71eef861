import { createServer } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { LocalStackError } from '../../local/errors.ts';
import { startLocalStack } from '../../local/local-stack.ts';
import { silentLogger } from '../../local/logger.ts';

describe('local stack', () => {
  it('serves everything on one port, sets the handler environment, and stops without leaving anything behind', async () => {
    // Prepare
    const previousTableName = process.env.TABLE_NAME;
    const stack = await startLocalStack({
      port: 0,
      logger: silentLogger,
      tableName: 'stack-test',
      policies: { maxConnectionsPerUser: 3 },
      scheduleIntervalSeconds: { sweeper: 0.05 },
    });
    const dynamoBeforeStop = await fetch(stack.dynamoEndpoint);

    // Act
    const jwks = await fetch(`${stack.httpUrl}/.well-known/jwks.json`);
    const unknown = await fetch(`${stack.httpUrl}/nowhere`);
    const ticket = await fetch(`${stack.httpUrl}/ticket`, { method: 'POST' });
    const logout = await fetch(`${stack.httpUrl}/logout`, { method: 'POST' });
    const environment = {
      TABLE_NAME: process.env.TABLE_NAME,
      CALLBACK_URL: process.env.CALLBACK_URL,
      AWS_ENDPOINT_URL_DYNAMODB: process.env.AWS_ENDPOINT_URL_DYNAMODB,
      AUTH_MODE: process.env.AUTH_MODE,
      OIDC_ISSUER: process.env.OIDC_ISSUER,
      MAX_CONNECTIONS_PER_USER: process.env.MAX_CONNECTIONS_PER_USER,
      LOGIN_COOKIE: process.env.LOGIN_COOKIE,
    };
    await vi.waitFor(() => expect(stack.scheduledRuns('sweeper')).toBeGreaterThanOrEqual(2), {
      timeout: 15_000,
    });
    await stack.stop();
    const sweepsAfterStop = stack.scheduledRuns('sweeper');

    // Assess
    expect(stack.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stack.webSocketUrl).toBe(`${stack.httpUrl.replace('http', 'ws')}/local`);
    expect(jwks.status).toBe(200);
    expect(((await jwks.json()) as { keys: unknown[] }).keys).toHaveLength(1);
    expect(unknown.status).toBe(404);
    expect(ticket.status).toBe(401); // the ticket function, asking for a bearer token
    expect(logout.status).toBe(400); // the identity provider's logout, asking for a refresh token
    expect(environment).toEqual({
      TABLE_NAME: 'stack-test',
      CALLBACK_URL: `${stack.httpUrl}/local`,
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoEndpoint,
      AUTH_MODE: 'oidc',
      OIDC_ISSUER: stack.httpUrl,
      MAX_CONNECTIONS_PER_USER: '3',
      LOGIN_COOKIE: 'true',
    });
    expect(stack.scheduledRuns('sweeper')).toBe(sweepsAfterStop);
    expect(process.env.LOGIN_COOKIE).toBeUndefined();
    expect(dynamoBeforeStop.status).toBe(400); // DynamoDB Local answers a bare GET with 400
    await expect(fetch(stack.dynamoEndpoint)).rejects.toThrow(); // the Java process is gone (see dynamodb-local.test.ts for the pid check)
    await expect(fetch(`${stack.httpUrl}/.well-known/jwks.json`)).rejects.toThrow();
    expect(process.env.TABLE_NAME).toBe(previousTableName);
  });

  it('refuses a second stack in the same process, because handlers keep the configuration they were imported with', async () => {
    // Act / Assess
    await expect(startLocalStack({ port: 0, logger: silentLogger })).rejects.toBeInstanceOf(LocalStackError);
  });

  it('fails fast when the port is taken, before starting DynamoDB Local', async () => {
    // Prepare
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;

    // Act
    const attempt = startLocalStack({ port, logger: silentLogger, loadHandler: async () => () => undefined });

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'EADDRINUSE' });
    blocker.close();
  });
});
