/**
 * Every way to present a credential reaches the same authorizer: `?token=`, the `parley.v1`
 * subprotocol, the HttpOnly cookie from /login, and a one-time ticket from POST /ticket. Also the
 * origin allow-list with handshakes without Origin allowed (see origin-required.test.ts for the other
 * setting).
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { login, ticketFor } from './support/auth-api.ts';
import { eventTimeoutMs, waitUntil } from './support/eventually.ts';
import { type Harness, startHarness, type Welcome } from './support/harness.ts';

const appOrigin = 'http://app.parley.test';
const ticketTtlSeconds = 3;

describe('ways to present credentials on the local stack', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({
      policies: { allowedOrigins: [appOrigin], allowMissingOrigin: true, ticketTtlSeconds },
    });
  });
  afterEach(() => harness.closeAll());
  afterAll(() => harness?.stop());

  const welcomeOf = async (handshake: Awaited<ReturnType<Harness['handshake']>>) => {
    expect(handshake.kind).toBe('open');
    if (handshake.kind !== 'open') throw new Error('not open');
    return handshake.client.nextJson<Welcome>((frame) => frame.type === 'welcome', eventTimeoutMs);
  };

  it('connects with ?token= and stores the connection under the token’s user', async () => {
    // Prepare
    const { token } = await login(harness.stack, 'alice');

    // Act
    const welcome = await welcomeOf(await harness.handshake(`?token=${token}`));

    // Assess
    expect(welcome).toMatchObject({ username: 'alice' });
    expect(await harness.table.connection(welcome.connectionId)).toMatchObject({ username: 'alice' });
  });

  it('connects with the token as second subprotocol, echoing parley.v1 and never the token', async () => {
    // Prepare
    const { token } = await login(harness.stack, 'bob');

    // Act
    const handshake = await harness.handshake('', { protocols: ['parley.v1', token] });

    // Assess
    const welcome = await welcomeOf(handshake);
    expect(welcome).toMatchObject({ username: 'bob' });
    if (handshake.kind !== 'open') return;
    expect(handshake.client.protocol).toBe('parley.v1');
    const protocolHeaders = handshake.responseHeaders.filter(([name]) =>
      /^sec-websocket-protocol$/i.test(name),
    );
    expect(protocolHeaders).toEqual([[expect.any(String), 'parley.v1']]);
    expect(handshake.responseHeaders.flat().join('\n')).not.toContain(token);
    expect(handshake.responseHeaders.flat().join('\n')).not.toContain(token.split('.')[2]);
  });

  it('sets an HttpOnly, Secure, SameSite cookie at /login that the handshake accepts as credential', async () => {
    // Prepare
    const tokens = await login(harness.stack, 'carol');

    // Act
    const handshake = await harness.handshake('', { headers: { Cookie: `theme=dark; ${tokens.cookie}` } });

    // Assess
    // Host-only on the local stack: the __Host- prefix, which no other host can set.
    expect(tokens.cookie).toBe(`__Host-parley_token=${tokens.token}`);
    const setCookie = tokens.setCookies.find((header) => header.startsWith('__Host-parley_token='));
    expect(setCookie).toMatch(/; HttpOnly/i);
    expect(setCookie).toMatch(/; Secure/i);
    expect(setCookie).toMatch(/; SameSite=(Strict|Lax)/i);
    expect(await welcomeOf(handshake)).toMatchObject({ username: 'carol', groups: ['moderator'] });
  });

  it('opens exactly one connection per ticket: the ticket is consumed, a replay gets 401', async () => {
    // Prepare
    const { token } = await login(harness.stack, 'dave');
    const ticketsBefore = await harness.table.tickets();
    const { ticket, expiresIn } = await ticketFor(harness.stack, token);
    const ticketsIssued = await harness.table.tickets();

    // Act
    const first = await harness.handshake(`?ticket=${ticket}`);
    const welcome = await welcomeOf(first);
    const replay = await harness.handshake(`?ticket=${ticket}`);

    // Assess
    expect(expiresIn).toBe(ticketTtlSeconds);
    expect(ticketsIssued).toHaveLength(ticketsBefore.length + 1);
    expect(JSON.stringify(ticketsIssued)).not.toContain(ticket); // only its digest is stored
    expect(welcome).toMatchObject({ username: 'dave', groups: ['admin'] });
    expect(replay).toMatchObject({ kind: 'refused', status: 401 });
    expect(await harness.table.tickets()).toEqual(ticketsBefore);
    expect((await harness.table.allConnections()).map((item) => item.connectionId)).toEqual([
      welcome.connectionId,
    ]);
  });

  it('refuses a ticket once its lifetime has passed, with 401 and no connection stored', async () => {
    // Prepare
    const { token } = await login(harness.stack, 'alice');
    const { ticket, expiresIn, receivedAt } = await ticketFor(harness.stack, token);
    await waitUntil(receivedAt + expiresIn * 1000 + 250); // the configured TICKET_TTL_SECONDS elapses

    // Act
    const handshake = await harness.handshake(`?ticket=${ticket}`);

    // Assess
    expect(handshake).toMatchObject({ kind: 'refused', status: 401 });
    expect(await harness.table.allConnections()).toEqual([]);
  });

  it('refuses a flood of forged, malformed and expired tickets with 401 without touching the table', async () => {
    // Prepare: every DynamoDB request the in-process handlers make passes through this one method.
    const send = vi.spyOn(DynamoDBDocumentClient.prototype, 'send');
    const ticketDeletes = () =>
      send.mock.calls.filter(([command]) => {
        const input = (command as { input?: { Key?: { pk?: unknown } } }).input;
        return command.constructor.name === 'DeleteCommand' && String(input?.Key?.pk).startsWith('TICKET#');
      }).length;
    const { token } = await login(harness.stack, 'bob');
    const { ticket } = await ticketFor(harness.stack, token);
    const expired = Buffer.from(ticket, 'base64url');
    expired.writeUInt32BE(Math.floor(Date.now() / 1000) - 1, 0); // an old expiry: the seal no longer fits either
    const forged = [
      ...Array.from({ length: 40 }, () => randomBytes(32).toString('base64url')),
      expired.toString('base64url'),
      `${ticket.slice(0, 20)}${ticket[20] === 'A' ? 'B' : 'A'}${ticket.slice(21)}`,
      'short',
      'x'.repeat(400),
    ];
    send.mockClear();

    // Act
    const handshakes = await Promise.all(forged.map((value) => harness.handshake(`?ticket=${value}`)));
    const deletesForForged = ticketDeletes();
    const genuine = await harness.handshake(`?ticket=${ticket}`);

    // Assess
    expect(handshakes.map((handshake) => handshake.kind === 'refused' && handshake.status)).toEqual(
      forged.map(() => 401),
    );
    expect(deletesForForged).toBe(0);
    await welcomeOf(genuine);
    expect(ticketDeletes()).toBe(1);
    send.mockRestore();
  });

  it('refuses POST /ticket without a valid bearer token and issues nothing', async () => {
    // Prepare
    const before = await harness.table.tickets();

    // Act
    const missing = await fetch(`${harness.stack.httpUrl}/ticket`, { method: 'POST' });
    const garbage = await fetch(`${harness.stack.httpUrl}/ticket`, {
      method: 'POST',
      headers: { authorization: 'Bearer not-a-jwt' },
    });

    // Assess
    expect([missing.status, garbage.status]).toEqual([401, 401]);
    expect(await harness.table.tickets()).toEqual(before);
  });

  it('accepts a handshake from an allowed origin', async () => {
    // Prepare
    const { token } = await login(harness.stack, 'bob');

    // Act
    const handshake = await harness.handshake(`?token=${token}`, { headers: { Origin: appOrigin } });

    // Assess
    expect(await welcomeOf(handshake)).toMatchObject({ username: 'bob' });
  });

  it('refuses a handshake from another origin with 403 and stores nothing', async () => {
    // Prepare
    const tokens = await login(harness.stack, 'bob');
    const before = await harness.table.snapshot();

    // Act: the cross-site page rides on the victim's cookie.
    const handshake = await harness.handshake('', {
      headers: { Origin: 'https://evil.example', Cookie: tokens.cookie ?? '' },
    });

    // Assess
    expect(handshake).toMatchObject({ kind: 'refused', status: 403 });
    expect(await harness.table.snapshot()).toEqual(before);
  });

  it('accepts a handshake without Origin (a non-browser client) when configured to', async () => {
    // Prepare
    const { token } = await login(harness.stack, 'carol');

    // Act
    const handshake = await harness.handshake(`?token=${token}`);

    // Assess
    expect(await welcomeOf(handshake)).toMatchObject({ username: 'carol' });
  });
});
