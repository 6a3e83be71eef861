/**
 * The per-connection message rate: 2 messages per second with the default burst of twice that. A
 * burst over the limit is answered with RATE_LIMITED and `retryAfter`; after that long the connection
 * works again by itself.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestClient } from '../local/support/test-client.ts';
import { eventually, waitUntil } from './support/eventually.ts';
import { type ErrorFrame, type Frame, ping, requestAll } from './support/frames.ts';
import { type Harness, startHarness } from './support/harness.ts';

const rateLimitPerSecond = 2;
const burst = 2 * rateLimitPerSecond;

describe('per-connection rate limit', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ policies: { rateLimit: { perSecond: rateLimitPerSecond } } });
  });
  afterEach(() => harness.closeAll());
  afterAll(() => harness?.stop());

  it('answers a burst over the limit with RATE_LIMITED and retryAfter, and recovers after retryAfter', async () => {
    // Prepare
    const { client } = await harness.connectAs('alice');
    const pings = Array.from({ length: 3 * burst }, (_, index) => ({
      action: 'ping',
      requestId: `burst-${index}`,
    }));

    // Act
    const answers = [...(await requestAll(client, pings)).values()];
    const answeredAt = Date.now();
    const refusals = answers.filter((answer) => answer.type === 'error') as unknown as ErrorFrame[];
    const retryAfter = Math.max(...refusals.map((refusal) => refusal.retryAfter ?? Number.NaN));
    await waitUntil(answeredAt + retryAfter); // the configured rate refills
    const after = await pingHonouringRetryAfter(client);

    // Assess
    expect(answers.filter((answer) => answer.type === 'pong').length).toBeGreaterThanOrEqual(burst);
    expect(refusals.length).toBeGreaterThan(0);
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({ code: 'RATE_LIMITED', action: 'ping', message: expect.any(String) });
      expect(refusal.retryAfter).toBeGreaterThan(0);
      // About one interval; concurrent invocations can add the gap between their clocks, never a whole bucket.
      expect(refusal.retryAfter).toBeLessThanOrEqual((burst * 1000) / rateLimitPerSecond);
      expect(Number.isInteger(refusal.retryAfter)).toBe(true);
    }
    expect(after).toMatchObject({ type: 'pong' });
  });

  it('charges malformed frames to the bucket: over the rate they get RATE_LIMITED, not a parse error each', async () => {
    // Prepare
    const { client } = await harness.connectAs('carol');
    const junk = Array.from(
      { length: 3 * burst },
      (_, index) => `{"action":"ping","requestId":"junk-${index}",`,
    );

    // Act
    for (const frame of junk) client.send(frame);
    const answers = await Promise.all(
      junk.map(() => client.nextJson<ErrorFrame>((frame) => frame.type === 'error')),
    );

    // Assess
    const codes = answers.map((answer) => answer.code);
    expect(codes.filter((code) => code === 'MALFORMED_JSON').length).toBeLessThanOrEqual(burst + 1);
    expect(codes.filter((code) => code === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(burst);
  });

  it('closes a connection that keeps sending while refused, saying why, and removes its rows', async () => {
    // Prepare
    const { client, welcome } = await harness.connectAs('dave');

    // Act: far more than the 20 refusals in a row that close a connection.
    for (let index = 0; index < 60; index++) client.send('{"not": "a request"}');
    const closing = await client.nextJson((frame) => frame.type === 'closing');
    const closed = await client.closed();

    // Assess
    expect(closing).toEqual({
      type: 'closing',
      code: 'TOO_MANY_REFUSALS',
      reason: expect.any(String),
      reconnect: true,
    });
    expect(closed.code).toBeGreaterThanOrEqual(1000);
    await eventually(async () =>
      expect(await harness.table.connectionRows(welcome.connectionId)).toEqual([]),
    );
  });

  /**
   * Pings; while refused, waits the refusal's retryAfter and pings again. A burst that took longer than
   * one interval to process can leave an admission later than the refusals it follows, so one retry
   * may be needed; it never takes more than a few.
   */
  async function pingHonouringRetryAfter(client: TestClient, attempts = 4): Promise<Frame> {
    for (let attempt = 1; ; attempt++) {
      const answer = await ping(client);
      if (answer.type !== 'error' || answer.code !== 'RATE_LIMITED' || attempt === attempts) return answer;
      await waitUntil(Date.now() + Number(answer.retryAfter));
    }
  }

  it('limits each connection on its own: another connection of the same user is still served', async () => {
    // Prepare
    const first = await harness.connectAs('bob');
    const second = await harness.connect(`?token=${first.tokens.token}`);
    const pings = Array.from({ length: 3 * burst }, (_, index) => ({
      action: 'ping',
      requestId: `flood-${index}`,
    }));
    const answers = [...(await requestAll(first.client, pings)).values()];

    // Act
    const answer = await ping(second.client);

    // Assess
    expect(answers.some((frame) => frame.type === 'error' && frame.code === 'RATE_LIMITED')).toBe(true);
    expect(answer).toMatchObject({ type: 'pong' });
  });
});
