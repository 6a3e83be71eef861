/**
 * The origin allow-list with ALLOW_MISSING_ORIGIN=false: only browsers on an allowed origin get in;
 * a handshake without Origin is refused like a foreign one (the authorizer denies: 403).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { login } from './support/auth-api.ts';
import { eventTimeoutMs } from './support/eventually.ts';
import { type Harness, startHarness } from './support/harness.ts';

const appOrigin = 'http://app.parley.test';

describe('origin allow-list with handshakes without Origin refused', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ policies: { allowedOrigins: [appOrigin], allowMissingOrigin: false } });
  });
  afterEach(() => harness.closeAll());
  afterAll(() => harness?.stop());

  it('refuses a handshake without Origin with 403 and stores nothing, however good the token', async () => {
    // Prepare
    const { token } = await login(harness.stack, 'alice');
    const before = await harness.table.snapshot();

    // Act
    const handshake = await harness.handshake(`?token=${token}`);

    // Assess
    expect(handshake).toMatchObject({ kind: 'refused', status: 403 });
    expect(await harness.table.snapshot()).toEqual(before);
  });

  it.each([
    ['another site', 'https://evil.example'],
    ['a look-alike host', 'http://app.parley.test.evil.example'],
    ['another scheme', 'https://app.parley.test'],
    ['another port', 'http://app.parley.test:8080'],
    ['a sandboxed page', 'null'],
  ])('refuses %s with 403', async (_name, origin) => {
    // Prepare
    const { token } = await login(harness.stack, 'alice');

    // Act
    const handshake = await harness.handshake(`?token=${token}`, { headers: { Origin: origin } });

    // Assess
    expect(handshake).toMatchObject({ kind: 'refused', status: 403 });
  });

  it('accepts the allowed origin', async () => {
    // Prepare
    const { token } = await login(harness.stack, 'alice');

    // Act
    const handshake = await harness.handshake(`?token=${token}`, { headers: { Origin: appOrigin } });

    // Assess
    expect(handshake.kind).toBe('open');
    if (handshake.kind !== 'open') return;
    const welcome = await handshake.client.nextJson((frame) => frame.type === 'welcome', eventTimeoutMs);
    expect(welcome).toMatchObject({ username: 'alice' });
  });

  it('answers 401, not 403, to a missing credential from the allowed origin', async () => {
    // Act
    const handshake = await harness.handshake('', { headers: { Origin: appOrigin } });

    // Assess
    expect(handshake).toMatchObject({ kind: 'refused', status: 401 });
  });
});
