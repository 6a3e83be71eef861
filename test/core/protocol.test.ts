import { describe, expect, it } from 'vitest';
import { parseClientFrame } from '../../lambdas/core/protocol.ts';
import { MAX_CONTENT_BYTES } from '../../lambdas/core/wire.ts';

describe('parseClientFrame', () => {
  it.each([['Hello, server!'], [''], ['42'], ['"quoted"'], ['  not json {']])(
    'treats %j as plain text',
    (body) => {
      expect(parseClientFrame(body)).toEqual({ success: true, data: { kind: 'text', text: body } });
    },
  );

  it('reads a join request with its request id', () => {
    expect(parseClientFrame('{"action":"joinRoom","room":"general","requestId":"r-1"}')).toEqual({
      success: true,
      data: { kind: 'request', request: { action: 'joinRoom', room: 'general', requestId: 'r-1' } },
    });
  });

  it.each([
    ['{"action":"sendMessage"', 'MALFORMED_JSON'],
    ['[]', 'INVALID_MESSAGE'],
    ['{"action":"ping","nested":{"constructor":{}}}', 'INVALID_MESSAGE'],
    ['{"action":"ping","__proto__":{}}', 'INVALID_MESSAGE'],
    ['{}', 'UNKNOWN_ACTION'],
    ['{"action":"toString"}', 'UNKNOWN_ACTION'],
    ['{"action":"hasOwnProperty"}', 'UNKNOWN_ACTION'],
    ['{"action":["joinRoom"]}', 'UNKNOWN_ACTION'],
    ['{"action":"ping","requestId":""}', 'INVALID_FIELD'],
    ['{"action":"ping","requestId":5}', 'INVALID_FIELD'],
    ['{"action":"ping","extra":1}', 'UNKNOWN_FIELD'],
    ['{"action":"joinRoom","room":"general#CONN"}', 'INVALID_ROOM'],
    ['{"action":"joinRoom","room":"-leading-dash"}', 'INVALID_ROOM'],
    ['{"action":"joinRoom","room":"über"}', 'INVALID_ROOM'],
    ['{"action":"joinRoom","room":""}', 'INVALID_ROOM'],
    ['{"action":"sendMessage","room":"general","content":"   "}', 'INVALID_CONTENT'],
    ['{"action":"sendMessage","room":"general","content":"nul\\u0000"}', 'INVALID_CONTENT'],
    ['{"action":"sendMessage","room":"general","content":"esc\\u001b[31m"}', 'INVALID_CONTENT'],
    ['{"action":"sendMessage","room":"general","content":"c1\\u0085"}', 'INVALID_CONTENT'],
  ])('rejects %s with %s', (body, code) => {
    const result = parseClientFrame(body);
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.code).toBe(code);
  });

  it('names the bad value and the expected form in the message', () => {
    const result = parseClientFrame('{"action":"joinRoom","room":"Foo Bar"}');
    expect(result).toMatchObject({
      success: false,
      error: { message: expect.stringContaining('"Foo Bar"'), action: 'joinRoom' },
    });
    if (!result.success) expect(result.error.message).toContain('/^[a-z0-9][a-z0-9_-]{0,63}$/');
  });

  it('accepts content at the limit, counted in UTF-8 bytes, and refuses one byte more', () => {
    const atLimit = 'é'.repeat(MAX_CONTENT_BYTES / 2);
    const frame = (content: string) => JSON.stringify({ action: 'sendMessage', room: 'general', content });
    expect(parseClientFrame(frame(atLimit)).success).toBe(true);
    expect(parseClientFrame(frame(`${atLimit}x`))).toMatchObject({
      success: false,
      error: { code: 'CONTENT_TOO_LARGE' },
    });
  });

  it('keeps tabs and newlines in content', () => {
    expect(
      parseClientFrame(JSON.stringify({ action: 'sendMessage', room: 'general', content: 'a\tb\r\nc' }))
        .success,
    ).toBe(true);
  });

  it('refuses a frame over 32 KB before parsing it', () => {
    expect(parseClientFrame(`{"action":"ping","x":"${'a'.repeat(33 * 1024)}"}`)).toMatchObject({
      success: false,
      error: { code: 'MESSAGE_TOO_LARGE' },
    });
  });
});

describe('parseClientFrame for rooms, moderation and history', () => {
  const request = (body: Record<string, unknown>) => parseClientFrame(JSON.stringify(body));

  it.each<Record<string, unknown>>([
    { action: 'joinRoom', room: 'general', since: 0, epoch: 'k3x9-a1' },
    { action: 'sendMessage', room: 'general', content: 'hi', clientMsgId: 'c-1:2/3' },
    { action: 'reauth', ticket: 'a'.repeat(43) },
    { action: 'createRoom', room: 'ops', visibility: 'private', posting: 'moderators', title: 'Ops' },
    { action: 'updateRoom', room: 'ops', title: '' },
    { action: 'deleteRoom', room: 'ops' },
    { action: 'listRooms' },
    { action: 'listRooms', cursor: 'eyJyIjoib3BzIn0' },
    { action: 'invite', room: 'ops', username: 'bob' },
    { action: 'uninvite', room: 'ops', username: 'bob' },
    { action: 'kick', room: 'ops', username: 'bob', reason: 'spam' },
    { action: 'ban', room: 'ops', username: 'bob', seconds: 60, reason: 'spam' },
    { action: 'unban', room: 'ops', username: 'bob' },
    { action: 'setRole', room: 'ops', username: 'bob', role: 'moderator' },
    { action: 'presence', room: 'ops', cursor: 'next' },
    { action: 'history', room: 'ops', before: 10, after: 2, limit: 100 },
    { action: 'deleteMessage', room: 'ops', seq: 7 },
  ])('reads %j', (body) => {
    expect(request(body)).toEqual({ success: true, data: { kind: 'request', request: body } });
  });

  it('trims titles and reasons', () => {
    expect(request({ action: 'kick', room: 'ops', username: 'bob', reason: '  spam  ' })).toMatchObject({
      data: { request: { reason: 'spam' } },
    });
  });

  it.each<[Record<string, unknown>, string]>([
    [{ action: 'joinRoom', room: 'general', since: -1 }, 'INVALID_FIELD'],
    [{ action: 'joinRoom', room: 'general', since: 1.5 }, 'INVALID_FIELD'],
    [{ action: 'joinRoom', room: 'general', since: '3' }, 'INVALID_FIELD'],
    [{ action: 'joinRoom', room: 'general', epoch: 'a#b' }, 'INVALID_FIELD'],
    [{ action: 'sendMessage', room: 'general', content: 'hi', clientMsgId: '' }, 'INVALID_FIELD'],
    [{ action: 'sendMessage', room: 'general', content: 'hi', clientMsgId: 'has space' }, 'INVALID_FIELD'],
    [{ action: 'sendMessage', room: 'general', content: 'hi', clientMsgId: 'x'.repeat(65) }, 'INVALID_FIELD'],
    [{ action: 'reauth' }, 'INVALID_FIELD'],
    [{ action: 'reauth', token: 'eyJ', ticket: 'a'.repeat(43) }, 'INVALID_FIELD'],
    [{ action: 'reauth', ticket: 'short' }, 'INVALID_FIELD'],
    [{ action: 'createRoom', room: 'ops', visibility: 'secret' }, 'INVALID_FIELD'],
    [{ action: 'createRoom', room: 'ops', posting: 'admins' }, 'INVALID_FIELD'],
    [{ action: 'createRoom', room: 'ops', title: 'x'.repeat(101) }, 'INVALID_FIELD'],
    [{ action: 'createRoom', room: 'ops', title: 'line\nbreak' }, 'INVALID_FIELD'],
    [{ action: 'createRoom', room: 'OPS' }, 'INVALID_ROOM'],
    [{ action: 'updateRoom', room: 'ops' }, 'INVALID_FIELD'],
    [{ action: 'listRooms', cursor: '' }, 'INVALID_FIELD'],
    [{ action: 'invite', room: 'ops' }, 'INVALID_FIELD'],
    [{ action: 'invite', room: 'ops', username: 'has space' }, 'INVALID_FIELD'],
    [{ action: 'invite', room: 'ops', username: 'bob', userId: 'u-1' }, 'UNKNOWN_FIELD'],
    [{ action: 'kick', room: 'ops', username: 'bob', reason: '' }, 'INVALID_FIELD'],
    [{ action: 'ban', room: 'ops', username: 'bob', seconds: 0 }, 'INVALID_FIELD'],
    [{ action: 'ban', room: 'ops', username: 'bob', seconds: 365 * 24 * 3600 + 1 }, 'INVALID_FIELD'],
    [{ action: 'setRole', room: 'ops', username: 'bob', role: 'owner' }, 'INVALID_FIELD'],
    [{ action: 'setRole', room: 'ops', username: 'bob' }, 'INVALID_FIELD'],
    [{ action: 'history', room: 'ops', limit: 0 }, 'INVALID_FIELD'],
    [{ action: 'history', room: 'ops', limit: 101 }, 'INVALID_FIELD'],
    [{ action: 'history', room: 'ops', before: 3, after: 2 }, 'INVALID_FIELD'],
    [{ action: 'deleteMessage', room: 'ops' }, 'INVALID_FIELD'],
    [{ action: 'deleteMessage', room: 'ops', seq: 0 }, 'INVALID_FIELD'],
  ])('refuses %j with %s', (body, code) => {
    expect(request(body)).toMatchObject({ success: false, error: { code, action: body.action } });
  });
});
