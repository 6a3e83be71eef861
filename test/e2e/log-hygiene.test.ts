/**
 * No log line ever carries a credential. Every line this process prints — the handlers' JSON lines, the
 * local stack's own lines, anything on stdout or stderr — is captured while a full scenario runs: logins
 * (wrong passwords up to the lockout), a temporary password changed through POST /password, every way
 * in, reauth with a token and with a ticket, refresh, logout and logout everywhere, and a range of
 * hostile tokens and tickets. Then no password, access token (nor its signature), refresh token, ticket,
 * challenge session, cookie value or the ticket key may appear in any line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserDirectory } from '../../local/identity/user-directory.ts';
import { startLocalStack } from '../../local/local-stack.ts';
import { noneAlgWithSignature, nowSeconds, tamperSignature, truncateToTwoParts } from '../fixtures/jwt.ts';
import { openWebSocket, type TestClient } from '../local/support/test-client.ts';
import {
  demoPasswords,
  type LoginTokens,
  login,
  logout,
  refresh,
  requestTicket,
  ticketFor,
} from './support/auth-api.ts';
import { eventTimeoutMs } from './support/eventually.ts';
import { type Frame, ping, request } from './support/frames.ts';
import { captureLogs, type LogCapture } from './support/log-capture.ts';
import { type GeneratedSigningKey, localTokenSigner, writeSigningKey } from './support/signing-key.ts';

const appOrigin = 'http://app.parley.test';
const wrongPassword = 'not-alices-password-7f3a';

describe('log hygiene on the local stack', () => {
  let logs: LogCapture;
  let generated: GeneratedSigningKey;
  /** Every credential the scenario handled. */
  const secrets = new Set<string>();
  const answers: Frame[] = [];
  const statuses: Record<string, number> = {};

  const remember = (...values: (string | undefined)[]) => {
    for (const value of values) {
      if (!value) continue;
      secrets.add(value);
      // A JWT's signature (or payload) alone is as telling as the token.
      for (const part of value.split('.')) if (part.length >= 16) secrets.add(part);
    }
  };

  let usersDir: string;

  beforeAll(async () => {
    logs = captureLogs();
    generated = await writeSigningKey();
    usersDir = await mkdtemp(join(tmpdir(), 'parley-hygiene-'));
    const usersFile = join(usersDir, 'users.json');
    const temporaryPassword = 'Temporary-pass-1';
    const chosenPassword = 'Chosen-pass-22!';
    await (await UserDirectory.openOrCreate(usersFile)).add('erin', temporaryPassword, {
      mustChangePassword: true,
    });
    remember(temporaryPassword, chosenPassword);
    const stack = await startLocalStack({
      port: 0,
      logger: logs.logger,
      identity: { signingKeyFile: generated.file, usersFile },
      policies: { allowedOrigins: [appOrigin] },
    });
    const signer = localTokenSigner(stack, generated);
    const clients: TestClient[] = [];
    const open = async (suffix: string, options: Parameters<typeof openWebSocket>[1] = {}) => {
      const handshake = await openWebSocket(`${stack.webSocketUrl}${suffix}`, {
        timeoutMs: eventTimeoutMs,
        ...options,
      });
      if (handshake.kind === 'refused') statuses[`${suffix.slice(0, 8)}…`] = handshake.status;
      if (handshake.kind !== 'open') return undefined;
      clients.push(handshake.client);
      await handshake.client.nextJson((frame) => frame.type === 'welcome', eventTimeoutMs);
      return handshake.client;
    };
    try {
      // Logins
      remember(...Object.values(demoPasswords), wrongPassword);
      const wrong = await fetch(`${stack.httpUrl}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `username=alice&password=${wrongPassword}`,
      });
      statuses.wrongPassword = wrong.status;
      for (let attempt = 0; attempt < 5; attempt++) {
        statuses.lockedOut = (
          await fetch(`${stack.httpUrl}/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ username: 'carol', password: `${wrongPassword}-${attempt}` }),
          })
        ).status;
      }
      remember(...Array.from({ length: 5 }, (_, attempt) => `${wrongPassword}-${attempt}`));
      statuses.lockedOut = (
        await fetch(`${stack.httpUrl}/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'carol', password: 'password3' }),
        })
      ).status;

      // A temporary password, changed
      const postJson = (path: string, body: unknown) =>
        fetch(`${stack.httpUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const challenge = (await (
        await postJson('/login', { username: 'erin', password: temporaryPassword })
      ).json()) as {
        session: string;
      };
      remember(challenge.session);
      const changed = await postJson('/password', {
        username: 'erin',
        session: challenge.session,
        newPassword: chosenPassword,
      });
      statuses.newPassword = changed.status;
      const erin = (await changed.json()) as { token: string; refreshToken: string };
      remember(erin.token, erin.refreshToken, ...changed.headers.getSetCookie());

      // The ticket key, as the functions read it from the (local) Secrets Manager
      const keyAnswer = await fetch(stack.httpUrl, {
        method: 'POST',
        headers: {
          'x-amz-target': 'secretsmanager.GetSecretValue',
          'content-type': 'application/x-amz-json-1.1',
        },
        body: JSON.stringify({ SecretId: process.env.TICKET_KEY_SECRET_ARN }),
      });
      const { SecretString: ticketKey } = (await keyAnswer.json()) as { SecretString: string };
      remember(ticketKey);

      const alice: LoginTokens = await login(stack, 'alice');
      const bob: LoginTokens = await login(stack, 'bob');
      remember(alice.token, alice.refreshToken, alice.cookie, bob.token, bob.refreshToken, bob.cookie);

      // Every way in
      const byQuery = await open(`?token=${alice.token}`, { headers: { Origin: appOrigin } });
      await open('', { protocols: ['parley.v1', alice.token] });
      await open('', { headers: { Cookie: alice.cookie ?? '' } });
      const { ticket } = await ticketFor(stack, alice.token);
      remember(ticket);
      await open(`?ticket=${ticket}`);
      await open(`?ticket=${ticket}`); // replayed
      await open(`?token=${alice.token}`, { headers: { Origin: 'https://evil.example' } });
      statuses.garbageTicketRequest = (await requestTicket(stack, 'garbage.bearer.token')).status;

      // Reauth with a refreshed token, a garbage one, another user's
      const refreshed = await refresh(stack, alice.refreshToken);
      const { token: fresh } = (await refreshed.json()) as { token: string };
      remember(fresh);
      if (!byQuery) throw new Error('the ?token= connection did not open');
      answers.push(await request(byQuery, { action: 'reauth', token: fresh }));
      answers.push(await request(byQuery, { action: 'reauth', token: tamperSignature(fresh) }));
      const { ticket: reauthTicket } = await ticketFor(stack, fresh);
      remember(reauthTicket);
      answers.push(await request(byQuery, { action: 'reauth', ticket: reauthTicket }));
      answers.push(await request(byQuery, { action: 'reauth', ticket: reauthTicket }));
      answers.push(await ping(byQuery));
      const victim = await open(`?token=${bob.token}`);
      if (victim) answers.push(await request(victim, { action: 'reauth', token: alice.token }));

      // Logout everywhere, logout, then the revoked and a garbage refresh token
      statuses.logoutEverywhere = (await logout(stack, erin.refreshToken, { everywhere: true })).status;
      statuses.logout = (await logout(stack, bob.refreshToken)).status;
      statuses.refreshAfterLogout = (await refresh(stack, bob.refreshToken)).status;
      statuses.garbageRefresh = (await refresh(stack, 'garbage-refresh-token-1234567890')).status;

      // Hostile tokens
      const hostile = [
        truncateToTwoParts(alice.token),
        tamperSignature(alice.token),
        noneAlgWithSignature(signer.claims(), signer.key.kid),
        signer.sign(signer.claims({ exp: nowSeconds() - 60, iat: nowSeconds() - 3660 })),
        signer.sign(signer.claims({ iss: 'https://issuer.evil.example' })),
        signer.sign(signer.claims(), { jku: 'https://evil.example/jwks.json' }),
        signer.sign(signer.claims({ pad: 'p'.repeat(9000) })),
      ];
      remember(...hostile);
      for (const token of hostile.slice(0, -1)) await open(`?token=${encodeURIComponent(token)}`);
      await open('', { headers: { Cookie: `__Host-parley_token=${hostile.at(-1)}` } });
    } finally {
      for (const client of clients) client.close();
      await stack.stop();
    }
  }, 120_000);

  afterAll(async () => {
    logs?.restore();
    await generated?.remove();
    await rm(usersDir, { recursive: true, force: true });
  });

  it('ran the scenario it claims to have run', () => {
    // Assess
    expect(statuses).toMatchObject({
      wrongPassword: 401,
      lockedOut: 429,
      newPassword: 200,
      garbageTicketRequest: 401,
      logoutEverywhere: 200,
      logout: 200,
      refreshAfterLogout: 401,
      garbageRefresh: 401,
    });
    expect(answers.map((answer) => answer.code ?? answer.type)).toEqual([
      'reauthenticated',
      'TOKEN_INVALID',
      'reauthenticated',
      'TOKEN_INVALID',
      'pong',
      'REAUTH_USER_MISMATCH',
    ]);
    const messages = new Set(logs.jsonLinesSince(0).map((line) => line.message));
    for (const message of [
      'login succeeded',
      'login refused',
      'login needs a new password',
      'password succeeded',
      'connection denied',
      'ticket issued',
      'logout succeeded',
    ]) {
      expect(messages).toContain(message);
    }
    expect(logs.lines.some((line) => line.startsWith('[parley-local] $connect refused (401)'))).toBe(true);
    expect(logs.lines.some((line) => line.startsWith('[parley-local] $connect refused (403)'))).toBe(true);
    expect(secrets.size).toBeGreaterThan(30);
  });

  it('never prints a password, token, refresh token, ticket or cookie value', () => {
    // Act
    const leaks = logs.lines.flatMap((line, index) =>
      [...secrets]
        .filter((secret) => line.includes(secret))
        .map((secret) => `line ${index} contains ${secret.slice(0, 12)}…`),
    );

    // Assess
    expect(leaks).toEqual([]);
  });
});
