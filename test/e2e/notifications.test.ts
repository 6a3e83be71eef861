/**
 * Notifications on the local stack, with the demo users: alice and bob (no global role), carol (global
 * moderator) and dave (admin). Real sockets, DynamoDB Local, tokens from the local issuer, and the
 * notify function behind the local HTTP API: `POST /notify` with dave's token, `POST /service/notify`
 * signed with SigV4 as a backend would.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signSigV4 } from '../fixtures/sigv4.ts';
import type { TestClient } from '../local/support/test-client.ts';
import { eventually } from './support/eventually.ts';
import { type Frame, request } from './support/frames.ts';
import { type Harness, type Session, startHarness } from './support/harness.ts';
import { captureLogs, type LogCapture } from './support/log-capture.ts';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe('notifications on the local stack', () => {
  let harness: Harness;
  let logs: LogCapture;
  let sequence = 0;
  /** A name no other test uses. */
  const fresh = (prefix: string) => `${prefix}-${++sequence}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    logs = captureLogs();
    harness = await startHarness({ logger: logs.logger });
  });
  afterEach(() => harness.closeAll());
  afterAll(async () => {
    await harness?.stop();
    logs?.restore();
  });

  const as = (username: string) => harness.connectAs(username);
  const url = (path: string) => `${harness.stack.httpUrl}${path}`;

  const notify = (token: string | undefined, body: unknown) =>
    fetch(url('/notify'), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(body),
    });

  /** Sends as dave and expects 202; resolves with the answer's body. */
  const notifyAsAdmin = async (dave: Session & { tokens: { token: string } }, body: unknown) => {
    const response = await notify(dave.tokens.token, body);
    expect(response.status).toBe(202);
    return (await response.json()) as { id: string; delivered?: number; queued?: number | true };
  };

  const nextNotification = (client: TestClient) =>
    client.nextJson<Frame>((frame) => frame.type === 'notification');

  /**
   * Proves a client got no notification before `marker`: notifications to one connection arrive in
   * the order they were sent, so if the first one it sees is the marker, nothing came before it.
   */
  const expectNothingBefore = async (
    dave: Session & { tokens: { token: string } },
    session: Session,
    marker: string,
  ) => {
    await notifyAsAdmin(dave, { to: { user: session.welcome.username }, content: marker });
    expect(await nextNotification(session.client)).toMatchObject({ content: marker });
  };

  it('reaches every tab of the user, and nobody else', async () => {
    // Prepare
    const [alice, bob, dave] = await Promise.all([as('alice'), as('bob'), as('dave')]);
    const bobAgain = await harness.connect(`?token=${bob.tokens.token}`);

    // Act
    const answer = await notifyAsAdmin(dave, {
      to: { user: 'bob' },
      title: 'Maintenance',
      content: 'Back at 10:00',
      data: { level: 'info', at: [10, 0] },
    });
    const received = await Promise.all([nextNotification(bob.client), nextNotification(bobAgain.client)]);

    // Assess
    expect(answer).toEqual({ id: expect.stringMatching(ULID), delivered: 2 });
    for (const frame of received) {
      expect(frame).toEqual({
        type: 'notification',
        id: answer.id,
        title: 'Maintenance',
        content: 'Back at 10:00',
        data: { level: 'info', at: [10, 0] },
        from: 'dave',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      });
    }
    await expectNothingBefore(dave, alice, fresh('for-alice'));
    await expectNothingBefore(dave, dave, fresh('for-dave'));
  });

  it('reaches the members of a room only', async () => {
    // Prepare
    const room = fresh('ops');
    const [alice, bob, carol, dave] = await Promise.all([as('alice'), as('bob'), as('carol'), as('dave')]);
    await request(alice.client, { action: 'joinRoom', room });
    await request(bob.client, { action: 'joinRoom', room });

    // Act
    const answer = await notifyAsAdmin(dave, { to: { room }, content: 'Deploy at noon' });
    const received = await Promise.all([nextNotification(alice.client), nextNotification(bob.client)]);

    // Assess
    // A room's notification goes through the room's sequencer, like every room frame.
    expect(answer.queued).toBe(true);
    for (const frame of received) expect(frame).toMatchObject({ id: answer.id, content: 'Deploy at noon' });
    await expectNothingBefore(dave, carol, fresh('for-carol'));
    await expectNothingBefore(dave, dave, fresh('for-dave'));
  });

  it('reaches every connection with everyone', async () => {
    // Prepare
    const sessions = await Promise.all([as('alice'), as('bob'), as('carol'), as('dave')]);
    const bob = sessions[1] as Session & { tokens: { token: string } };
    const dave = sessions[3] as Session & { tokens: { token: string } };
    const bobAgain = await harness.connect(`?token=${bob.tokens.token}`);

    // Act
    const answer = await notifyAsAdmin(dave, { to: { everyone: true }, content: 'Hello, everyone' });
    const received = await Promise.all(
      [...sessions, bobAgain].map((session) => nextNotification(session.client)),
    );

    // Assess
    expect(answer.queued).toBe(5);
    for (const frame of received) {
      expect(frame).toMatchObject({ id: answer.id, content: 'Hello, everyone', from: 'dave' });
    }
  });

  it('removes a connection that vanished, and its room hears that its user left', async () => {
    // Prepare
    const room = fresh('lounge');
    const [alice, bob, dave] = await Promise.all([as('alice'), as('bob'), as('dave')]);
    await request(alice.client, { action: 'joinRoom', room });
    await request(bob.client, { action: 'joinRoom', room });
    await alice.client.nextJson<Frame>((frame) => frame.type === 'joined' && frame.username === 'bob');
    // Gone without $disconnect, as a client behind a dead network is on AWS: its rows stay behind.
    harness.stack.gateway.dropConnection(bob.welcome.connectionId);

    // Act
    const answer = await notifyAsAdmin(dave, { to: { everyone: true }, content: 'Who is still here?' });
    const left = await alice.client.nextJson<Frame>((frame) => frame.type === 'left' && frame.room === room);

    // Assess
    // bob's vanished connection is still stored, so it is queued too; the fan-out finds it gone.
    expect(answer.queued).toBe(3);
    expect(left).toMatchObject({ room, username: 'bob' });
    await eventually(async () => {
      expect(await harness.table.connectionRows(bob.welcome.connectionId)).toEqual([]);
    });
    const presence = await request(alice.client, { action: 'presence', room });
    expect(presence).toMatchObject({
      type: 'presence',
      count: 1,
      users: [expect.objectContaining({ username: 'alice' })],
    });
  });

  it('answers 401 without a token, 403 to a user who is not an administrator, 400 to a bad body', async () => {
    // Prepare
    const [alice, dave] = await Promise.all([as('alice'), as('dave')]);
    const body = { to: { everyone: true }, content: 'should not arrive' };

    // Act
    const anonymous = await notify(undefined, body);
    const forged = await notify('not-a-token', body);
    const notAdmin = await notify(alice.tokens.token, body);
    const invalid = await notify(dave.tokens.token, { to: { room: 'Not A Room' }, content: 'x' });

    // Assess
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect(await anonymous.json()).toEqual({ message: 'Missing bearer token' });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(notAdmin.status).toBe(403);
    expect(((await notAdmin.json()) as { message: string }).message).toContain('Only administrators');
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { message: string }).message).toContain('to.room must match');
    await expectNothingBefore(dave, alice, fresh('for-alice'));
  });

  describe('the service route', () => {
    const servicePost = (headers: Record<string, string>, body: string) =>
      fetch(url('/service/notify'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });

    it('sends as service when the request is signed with SigV4', async () => {
      // Prepare
      const [bob, dave] = await Promise.all([as('bob'), as('dave')]);
      const body = JSON.stringify({
        to: { user: 'bob' },
        title: 'Billing',
        content: 'Your invoice is ready',
      });
      const signed = signSigV4({
        method: 'POST',
        url: url('/service/notify'),
        body,
        region: harness.stack.region,
      });

      // Act
      const response = await servicePost(signed, body);
      const frame = await nextNotification(bob.client);

      // Assess
      expect(response.status).toBe(202);
      const answer = (await response.json()) as { id: string; delivered: number };
      expect(answer).toEqual({ id: expect.stringMatching(ULID), delivered: 1 });
      expect(frame).toMatchObject({ id: answer.id, from: 'service', title: 'Billing' });
      await expectNothingBefore(dave, dave, fresh('for-dave'));
    });

    it('answers 403 to an unsigned request, even with an administrator’s token, and delivers nothing', async () => {
      // Prepare
      const [bob, dave] = await Promise.all([as('bob'), as('dave')]);
      const body = JSON.stringify({ to: { user: 'bob' }, content: 'should not arrive' });

      // Act
      const unsigned = await servicePost({}, body);
      const bearer = await servicePost({ authorization: `Bearer ${dave.tokens.token}` }, body);

      // Assess
      expect(unsigned.status).toBe(403);
      expect(await unsigned.json()).toEqual({ message: 'Forbidden' });
      expect(bearer.status).toBe(403);
      await expectNothingBefore(dave, bob, fresh('for-bob'));
    });
  });

  it('never logs a token, a signature, or a notification’s title, content or data', async () => {
    // Prepare
    const [alice, bob, dave] = await Promise.all([as('alice'), as('bob'), as('dave')]);
    const from = logs.lines.length;
    const texts = { title: 'TITLE-9d41e', content: 'CONTENT-c07aa', data: { secret: 'DATA-5be12' } };
    const serviceBody = JSON.stringify({ to: { user: 'bob' }, ...texts });
    const signed = signSigV4({
      method: 'POST',
      url: url('/service/notify'),
      body: serviceBody,
      region: harness.stack.region,
    });

    // Act
    await notifyAsAdmin(dave, { to: { user: 'bob' }, ...texts });
    await nextNotification(bob.client);
    const service = await fetch(url('/service/notify'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signed },
      body: serviceBody,
    });
    await nextNotification(bob.client);
    const refused = await notify(alice.tokens.token, { to: { user: 'bob' }, ...texts });
    const invalid = await notify(dave.tokens.token, {
      to: { user: 'bob' },
      ...texts,
      content: `${texts.content}\u0000`,
    });

    // Assess
    expect([service.status, refused.status, invalid.status]).toEqual([202, 403, 400]);
    const printed = logs.lines.slice(from).join('\n');
    expect(printed).toContain('notification sent');
    expect(printed).toContain('notification refused');
    const secrets = [
      dave.tokens.token,
      alice.tokens.token,
      ...[dave.tokens.token, alice.tokens.token].map((token) => token.split('.')[2] as string),
      /Signature=([0-9a-f]{64})/.exec(signed.authorization ?? '')?.[1] as string,
      texts.title,
      texts.content,
      texts.data.secret,
    ];
    for (const secret of secrets) expect(printed).not.toContain(secret);
  });
});
