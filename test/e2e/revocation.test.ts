/**
 * Revocation at token expiry: a connection whose token has expired stops receiving room broadcasts at
 * that moment (the member Query filters on the expiry kept on each membership row), and `reauth` brings
 * it back. Tokens are issued with a skewed clock so that one expires within seconds.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/local-stack.ts';
import { silentLogger } from '../../local/logger.ts';
import { connectClient, type TestClient } from '../local/support/test-client.ts';
import { eventTimeoutMs } from './support/eventually.ts';
import { pingUntil, request } from './support/frames.ts';

describe('revocation at token expiry on the local stack', () => {
  let stack: LocalStack;
  let clockSkewMs = 0;
  const open: TestClient[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      logger: silentLogger,
      identity: { now: () => Date.now() + clockSkewMs },
    });
  });
  afterEach(() => {
    for (const client of open.splice(0)) client.close();
  });
  afterAll(() => stack?.stop());

  /** Logs in with tokens issued as if `skewMs` from now, connects, joins `room`. */
  const member = async (username: string, password: string, room: string, skewMs = 0) => {
    clockSkewMs = skewMs;
    const response = await fetch(`${stack.httpUrl}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    clockSkewMs = 0;
    const tokens = (await response.json()) as { token: string; refreshToken: string };
    const client = await connectClient(`${stack.webSocketUrl}?token=${tokens.token}`, {
      timeoutMs: eventTimeoutMs,
    });
    open.push(client);
    const welcome = await client.nextJson<{ type: string; userId: string }>(
      (frame) => frame.type === 'welcome',
      eventTimeoutMs,
    );
    client.sendJson({ action: 'joinRoom', room });
    await client.nextJson(
      (frame) => frame.type === 'joined' && frame.userId === welcome.userId,
      eventTimeoutMs,
    );
    return { client, tokens };
  };

  it('stops delivering room messages to a connection the moment its token expires, and resumes after reauth', async () => {
    // Prepare: alice's token was issued so that it expires about 4 s from now; bob's lives an hour.
    const alice = await member('alice', 'password1', 'revocation', -(3600 - 4) * 1000);
    const bob = await member('bob', 'password2', 'revocation');
    await pingUntil(
      alice.client,
      (answer) => answer.type === 'error' && answer.code === 'TOKEN_EXPIRED',
      30_000,
    );

    // Act
    bob.client.sendJson({ action: 'sendMessage', room: 'revocation', content: 'after expiry' });
    await bob.client.nextJson(
      (frame) => frame.type === 'message' && frame.content === 'after expiry',
      eventTimeoutMs,
    );
    const refreshed = await fetch(`${stack.httpUrl}/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: alice.tokens.refreshToken }),
    });
    const { token } = (await refreshed.json()) as { token: string };
    const renewed = await request(alice.client, { action: 'reauth', token });
    bob.client.sendJson({ action: 'sendMessage', room: 'revocation', content: 'after reauth' });
    const delivered = await alice.client.nextJson(
      (frame) => frame.type === 'message' && frame.content === 'after reauth',
      eventTimeoutMs,
    );

    // Assess
    expect(renewed).toMatchObject({ type: 'reauthenticated' });
    expect(delivered).toMatchObject({ username: 'bob' });
    // The message bob sent while alice's token had expired never reached her.
    expect(alice.client.received.map((message) => message.data).join('\n')).not.toContain('after expiry');
  });
});
