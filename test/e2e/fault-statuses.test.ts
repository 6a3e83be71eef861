/**
 * A client can tell "your credential is bad" (401) from "try again later" (500). This stack's
 * authorizer cannot reach its issuer's key set (the JWKS URI points at a closed port) and cannot read
 * the ticket key (the secret does not exist), as in an outage: a token it would need those keys for
 * gets 500 at the handshake and at POST /ticket, a ticket gets 500, while a credential that is bad on
 * its face still gets 401. Nothing is stored for any of them.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, requestTicket } from './support/auth-api.ts';
import { type Harness, startHarness } from './support/harness.ts';

/** A port on this machine that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('fault statuses on the local stack', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({
      handlerEnvironment: {
        OIDC_JWKS_URI: `http://127.0.0.1:${await closedPort()}/.well-known/jwks.json`,
        TICKET_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:no-such-secret',
      },
    });
  });
  afterAll(() => harness?.stop());

  it('answers a well-formed token with 500 when the key set is unreachable, and garbage with 401', async () => {
    // Prepare
    const { token } = await login(harness.stack, 'alice');
    const before = await harness.table.snapshot();

    // Act
    const outage = await harness.handshake(`?token=${token}`);
    const subprotocol = await harness.handshake('', { protocols: ['parley.v1', token] });
    const garbage = await harness.handshake('?token=not-a-jwt');

    // Assess
    expect(outage).toMatchObject({ kind: 'refused', status: 500 });
    expect(subprotocol).toMatchObject({ kind: 'refused', status: 500 });
    expect(garbage).toMatchObject({ kind: 'refused', status: 401 });
    expect(await harness.table.snapshot()).toEqual(before);
  });

  it('answers POST /ticket with 500 when the token cannot be checked, and 401 when it is bad on its face', async () => {
    // Prepare
    const { token } = await login(harness.stack, 'bob');

    // Act
    const outage = await requestTicket(harness.stack, token);
    const garbage = await requestTicket(harness.stack, 'not-a-jwt');

    // Assess
    expect(outage.status).toBe(500);
    expect(await outage.json()).toEqual({ message: expect.stringMatching(/try again later/i) });
    expect(garbage.status).toBe(401);
    expect(await harness.table.tickets()).toEqual([]);
  });

  it('answers a ticket with 500 when the ticket key cannot be read', async () => {
    // Act
    const handshake = await harness.handshake(`?ticket=${'A'.repeat(43)}`);

    // Assess
    expect(handshake).toMatchObject({ kind: 'refused', status: 500 });
  });
});
