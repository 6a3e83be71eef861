/**
 * Hostile frames on a live connection: each gets a typed error frame, writes nothing, reaches no other
 * member of the room, and leaves the connection usable (a ping afterwards gets its pong). The rate
 * limit is off here so the many pings never meet it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventTimeoutMs } from './support/eventually.ts';
import { type ErrorFrame, joinRoom, ping } from './support/frames.ts';
import { type Harness, type Session, startHarness } from './support/harness.ts';

const json = (value: unknown) => JSON.stringify(value);
const send = (fields: Record<string, unknown>) =>
  json({ action: 'sendMessage', room: 'general', content: 'hi', ...fields });

/** [case, raw frame, error code] */
const cases: readonly [string, string, string][] = [
  ['malformed JSON', '{"action": "ping"', 'MALFORMED_JSON'],
  ['JSON that is an array', json([{ action: 'ping' }]), 'INVALID_MESSAGE'],
  ['an unknown action', json({ action: 'renameRoom', room: 'general' }), 'UNKNOWN_ACTION'],
  ['no action', json({ room: 'general' }), 'UNKNOWN_ACTION'],
  ['a mistyped action', json({ action: 42 }), 'UNKNOWN_ACTION'],
  ['an action inherited from Object.prototype', json({ action: 'toString' }), 'UNKNOWN_ACTION'],
  ['a missing room', json({ action: 'joinRoom' }), 'INVALID_FIELD'],
  ['a mistyped room', json({ action: 'joinRoom', room: ['general'] }), 'INVALID_FIELD'],
  ['a missing content', json({ action: 'sendMessage', room: 'general' }), 'INVALID_FIELD'],
  ['a mistyped content', send({ content: { text: 'hi' } }), 'INVALID_FIELD'],
  ['a mistyped requestId', json({ action: 'ping', requestId: 7 }), 'INVALID_FIELD'],
  ['a reauth without a token', json({ action: 'reauth' }), 'INVALID_FIELD'],
  ['blank content', send({ content: '   ' }), 'INVALID_CONTENT'],
  ['content over 8 KB', send({ content: 'x'.repeat(8 * 1024 + 1) }), 'CONTENT_TOO_LARGE'],
  [
    'content over 8 KB of UTF-8 in fewer characters',
    send({ content: '€'.repeat(2731) }),
    'CONTENT_TOO_LARGE',
  ],
  ['a bell character', send({ content: 'ding\u0007' }), 'INVALID_CONTENT'],
  ['a NUL character', send({ content: 'a\u0000b' }), 'INVALID_CONTENT'],
  ['a terminal escape sequence', send({ content: '\u001b[2Jcleared' }), 'INVALID_CONTENT'],
  ['a C1 control character', send({ content: 'next\u0085line' }), 'INVALID_CONTENT'],
  ['a __proto__ key', '{"action":"ping","__proto__":{"isAdmin":true}}', 'INVALID_MESSAGE'],
  ['a constructor key', send({ constructor: { prototype: { isAdmin: true } } }), 'INVALID_MESSAGE'],
  ['a nested __proto__ key', '{"action":"ping","meta":{"__proto__":{"isAdmin":true}}}', 'INVALID_MESSAGE'],
  ['a room aimed at a connection item', json({ action: 'joinRoom', room: 'general#CONN' }), 'INVALID_ROOM'],
  ['a room aimed at another partition', json({ action: 'joinRoom', room: 'ROOM#x' }), 'INVALID_ROOM'],
  ['a room aimed at a user partition', send({ room: 'USER#alice' }), 'INVALID_ROOM'],
  ['a path-like room', json({ action: 'joinRoom', room: '../x' }), 'INVALID_ROOM'],
  ['a very long room', json({ action: 'joinRoom', room: 'a'.repeat(65) }), 'INVALID_ROOM'],
  ['an upper-case room', json({ action: 'leaveRoom', room: 'General' }), 'INVALID_ROOM'],
  ['an empty room', send({ room: '' }), 'INVALID_ROOM'],
  ['a forged username', send({ username: 'dave' }), 'UNKNOWN_FIELD'],
  ['a forged userId', send({ userId: 'someone-else' }), 'UNKNOWN_FIELD'],
  [
    'a forged connectionId',
    json({ action: 'leaveRoom', room: 'general', connectionId: 'abc' }),
    'UNKNOWN_FIELD',
  ],
];

const hostileFrames = cases.map(([name, frame, code]) => ({ name, frame, code }));

describe('hostile frames on the local stack', () => {
  let harness: Harness;
  let alice: Session;
  let bob: Session;

  beforeAll(async () => {
    harness = await startHarness({ policies: { rateLimit: { perSecond: 0 } } });
    alice = await harness.connectAs('alice');
    bob = await harness.connectAs('bob');
    await joinRoom(alice.client, 'general', alice.welcome.userId);
    await joinRoom(bob.client, 'general', bob.welcome.userId);
    await alice.client.nextJson((frame) => frame.type === 'joined' && frame.userId === bob.welcome.userId);
  });
  afterAll(async () => {
    await harness?.closeAll();
    await harness?.stop();
  });

  it.each(hostileFrames)(
    'answers $name with $code, writes nothing and stays usable',
    async ({ frame, code }) => {
      // Prepare
      const before = await harness.table.snapshot();
      const bobHeard = bob.client.received.length;

      // Act
      alice.client.send(frame);
      const error = await alice.client.nextJson<ErrorFrame>(
        (answer) => answer.type === 'error',
        eventTimeoutMs,
      );
      const pong = await ping(alice.client);

      // Assess
      expect(error).toMatchObject({ type: 'error', code, message: expect.any(String) });
      expect(pong).toMatchObject({ type: 'pong' });
      expect(await harness.table.snapshot()).toEqual(before);
      expect(await ping(bob.client)).toMatchObject({ type: 'pong' }); // after this, anything for Bob has arrived
      expect(bob.client.received.slice(bobHeard).map((message) => JSON.parse(message.data).type)).toEqual([
        'pong',
      ]);
    },
  );

  it('still delivers a well-formed message afterwards, under the sender’s stored identity', async () => {
    // Act
    alice.client.sendJson({ action: 'sendMessage', room: 'general', content: 'all good' });

    // Assess
    const received = await bob.client.nextJson((frame) => frame.type === 'message', eventTimeoutMs);
    expect(received).toMatchObject({ content: 'all good', username: 'alice', userId: alice.welcome.userId });
  });
});
