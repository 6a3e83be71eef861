import { describe, expect, it } from 'vitest';
import { MAX_CONTENT_BYTES, parseClientFrame } from '../../lambdas/core/protocol.ts';

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
